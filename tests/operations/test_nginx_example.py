"""The nginx configuration docs/scaling.md gives deployers is the one the scale-out test runs."""

from __future__ import annotations

import re

from tests.support.nginx import PROXY_BLOCK, render
from tests.support.paths import ROOT

TEST_ONLY = ("X-Upstream",)


def directives(text: str) -> list[str]:
    """The proxy, keep-alive and limit directives of a configuration, comments dropped."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [
        line for line in lines if re.match(r"(proxy_|keepalive |client_max|large_client)", line)
    ]


def test_the_documented_proxy_directives_are_the_tested_ones():
    scaling = (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")
    documented = re.search(r"```nginx\n(.*?)```", scaling, re.S)
    assert documented is not None
    tested = [line for line in directives(PROXY_BLOCK) if not line.endswith(TEST_ONLY)]
    assert directives(documented.group(1)) == tested


def test_the_rendered_configuration_keeps_every_path_in_its_own_folder(tmp_path):
    conf = render(["127.0.0.1:8001", "127.0.0.1:8002"], 8080, tmp_path)
    assert "server 127.0.0.1:8001;" in conf and "server 127.0.0.1:8002;" in conf
    assert "listen 127.0.0.1:8080;" in conf and "daemon off;" in conf
    paths = re.findall(r"(?:pid|error_log|_temp_path) (\S+?)[; ]", conf)
    assert len(paths) == 7
    assert all(path.startswith(str(tmp_path)) for path in paths)
