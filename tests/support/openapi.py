"""Walking an OpenAPI document: its operations, its references, its schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    """(method, path, operation) for every operation of the document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def nodes(value: Any) -> Iterator[dict]:
    """Every JSON object inside `value`, `value` included."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from nodes(child)


def resolve(document: dict, node: dict) -> dict:
    """`node`, or what its `$ref` points at (recursively)."""
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = document["components"][kind][name]
    return node


def schema_nodes(document: dict, schema: dict) -> Iterator[dict]:
    """Every schema object reachable from `schema`, through references, each once."""
    seen: set[str] = set()
    pending = [schema]
    while pending:
        for node in nodes(pending.pop()):
            ref = node.get("$ref")
            if ref is None:
                yield node
            elif ref not in seen:
                seen.add(ref)
                pending.append(resolve(document, node))
