"""The OpenAPI document as generated clients and Swagger UI read it, walked whole.

Every test walks every operation or component, so an endpoint added later follows the
same rules without being listed here.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tests.support.openapi import operations, resolve, schema_nodes


@pytest.fixture
def document(client) -> dict:
    return client.get("/openapi.json").get_json()


def test_every_operation_has_a_unique_operation_id(document):
    ids = [operation.get("operationId") for _, _, operation in operations(document)]
    assert len(ids) >= 20
    assert None not in ids
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", id_) for id_ in ids), ids
    assert [id_ for id_, count in Counter(ids).items() if count > 1] == []


def test_named_operations(document):
    ids = {(method, path): op["operationId"] for method, path, op in operations(document)}
    assert ids[("get", "/clothes")] == "listClothes"
    assert ids[("patch", "/clothes/{item_id}")] == "updateClothingItem"
    assert ids[("post", "/auth/login")] == "logIn"
    assert ids[("get", "/healthz")] == "liveness"


def test_the_document_and_its_ui_are_not_operations(client, document):
    assert "/openapi.json" not in document["paths"]
    assert not any(path.startswith("/docs") for path in document["paths"])
    # They are still served.
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_every_component_is_used(document):
    text = json.dumps({key: value for key, value in document.items() if key != "components"})
    components = json.dumps(document["components"])
    used_schemes = {
        name
        for _, _, operation in operations(document)
        for requirement in operation.get("security", [])
        for name in requirement
    }
    for kind, entries in document["components"].items():
        for name in entries:
            if kind == "securitySchemes":
                assert name in used_schemes, name
                continue
            ref = json.dumps(f"#/components/{kind}/{name}")
            assert ref in text or ref in components, f"unused component {kind}/{name}"
    assert "PaginationMetadata" not in document["components"].get("schemas", {})


def test_info_describes_the_token_flow(document):
    description = document["info"]["description"]
    steps = [
        "/auth/register",
        "/auth/login",
        "**Authorize** with the **access token**",
        "/auth/refresh",
    ]
    positions = [description.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "refresh token" in description


def test_schema_walk_follows_references(document):
    page = resolve(document, {"$ref": "#/components/schemas/ClothingItemPage"})
    assert any("next_cursor" in node.get("properties", {}) for node in schema_nodes(document, page))
