"""The teaching docs point at real code: every linked file exists and holds the named function."""

import re
from pathlib import Path

import pytest

from tests.support.paths import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
LINK = re.compile(r"\[`?([^\]`]+?)`?\]\(([^)#\s]+)(#[^)]*)?\)")
CODE_NAME = re.compile(r"^(?:[A-Za-z_][\w]*\.)?([A-Za-z_]\w*)(?:\(\))?$")


def links(doc: Path) -> list[tuple[str, Path]]:
    found = []
    for text, target, _anchor in LINK.findall(doc.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        found.append((text, (doc.parent / target).resolve()))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_link_lands_on_code_that_exists(doc: Path):
    for text, target in links(doc):
        assert target.exists(), f"{doc.name}: link to missing {target}"
        name = CODE_NAME.match(text)
        if target.suffix != ".py" or not name or text.endswith(".py"):
            continue  # a link to a file, not to a function in it
        source = target.read_text(encoding="utf-8")
        assert re.search(rf"^\s*(def|class) {name.group(1)}\b", source, re.M), (
            f"{doc.name}: {text} is not defined in {target.relative_to(ROOT)}"
        )


def test_auth_flow_links_every_step_to_code():
    assert len(links(ROOT / "docs" / "auth-flow.md")) >= 20
