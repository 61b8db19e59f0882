"""Every audit event the code records is listed in app.audit.AuditEvent, and each one is used."""

from __future__ import annotations

import ast
from pathlib import Path

from app.audit import AUDIT_EVENTS

APP = Path(__file__).resolve().parents[2] / "app"


def recorded_event_names() -> set[str]:
    names = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "recorded")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path}: an event name must be a literal"
                names.add(first.value)
    return names


def test_every_recorded_event_is_listed_and_every_listed_one_recorded():
    assert recorded_event_names() == AUDIT_EVENTS
