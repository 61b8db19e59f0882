"""Every `Fast path [tag]` in app/ has its row in docs/performance.md's fast path map."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"Fast path\s+\[([a-z0-9-]+)\]")


def test_every_tag_in_the_code_has_a_row_in_the_map():
    performance = (ROOT / "docs" / "performance.md").read_text()
    table = performance.split("## Fast path map", 1)[1].split("\n## ", 1)[0]
    rows = set(re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.MULTILINE))
    tags = {tag for path in (ROOT / "app").rglob("*.py") for tag in TAG.findall(path.read_text())}
    assert tags, "no fast path tag found in app/"
    assert tags <= rows, f"tags without a row in docs/performance.md: {sorted(tags - rows)}"
