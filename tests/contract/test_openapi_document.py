"""The OpenAPI document as generated clients and Swagger UI read it, walked whole.

Every test walks every operation or component, so an endpoint added later follows the
same rules without being listed here.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from app.clothes.models import CATEGORIES, SIZES
from app.identity.models import ROLES
from tests.support.openapi import nodes, operations, resolve, schema_nodes


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
        "**Authorize**",
        "/auth/token",
        "**access token**",
        "/auth/refresh",
    ]
    positions = [description.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "refresh token" in description


def test_schema_walk_follows_references(document):
    page = resolve(document, {"$ref": "#/components/schemas/ClothingItemPage"})
    assert any("next_cursor" in node.get("properties", {}) for node in schema_nodes(document, page))


def request_schemas(document: dict, method: str | None = None):
    """(method, path, schema) of every request body, or of those of `method`."""
    for verb, path, operation in operations(document):
        body = resolve(document, operation.get("requestBody", {}))
        for media in body.get("content", {}).values():
            if method in (None, verb):
                yield verb, path, media["schema"]


def test_no_patch_request_schema_has_a_default(document):
    """A generated client sends a default it was never given, erasing the stored value."""
    patches = list(request_schemas(document, "patch"))
    assert len(patches) >= 2
    for _, path, schema in patches:
        for node in schema_nodes(document, schema):
            assert "default" not in node, (path, node)


def test_no_request_schema_has_a_server_owned_field(document):
    for method, path, schema in request_schemas(document):
        for node in schema_nodes(document, schema):
            assert not node.get("readOnly"), (method, path, node)
            assert not {"id", "created_at", "updated_at"} & set(node.get("properties", {}))


def test_server_owned_fields_of_an_item_are_read_only(document):
    item = document["components"]["schemas"]["ClothingItem"]
    for name in ("id", "created_at", "updated_at"):
        assert item["properties"][name]["readOnly"] is True
    assert set(item["required"]) == set(item["properties"])


def test_price_is_read_as_a_number_or_a_string_and_written_as_a_string(document):
    schemas = document["components"]["schemas"]
    for name in ("ClothingItemInput", "ClothingItemUpdate"):
        branches = schemas[name]["properties"]["price"]["oneOf"]
        assert sorted(branch["type"] for branch in branches) == ["number", "string"]
    assert schemas["ClothingItem"]["properties"]["price"]["type"] == "string"


@pytest.mark.parametrize(
    ("component", "values"), [("Category", CATEGORIES), ("Size", SIZES), ("Role", ROLES)]
)
def test_each_enum_is_one_shared_component(document, component, values):
    assert document["components"]["schemas"][component]["enum"] == list(values)
    elsewhere = {
        key: value for key, value in document["components"]["schemas"].items() if key != component
    }
    everywhere_else = [document["paths"], elsewhere]
    assert not [node for node in nodes(everywhere_else) if node.get("enum") == list(values)]
    assert json.dumps(f"#/components/schemas/{component}") in json.dumps(everywhere_else)


def header_parameters(document: dict, operation: dict) -> set[str]:
    return {
        parameter["name"]
        for parameter in map(lambda node: resolve(document, node), operation.get("parameters", []))
        if parameter["in"] == "header"
    }


def response_headers(document: dict, operation: dict, status: str) -> set[str]:
    return set(resolve(document, operation["responses"][status]).get("headers", {}))


def test_conditional_requests_are_declared(document):
    """Every operation answering 412 takes If-Match; every one answering 304, If-None-Match."""
    for method, path, operation in operations(document):
        headers = header_parameters(document, operation)
        assert ("If-Match" in headers) == ("412" in operation["responses"]), (method, path)
        assert ("If-None-Match" in headers) == ("304" in operation["responses"]), (method, path)
    item = document["paths"]["/clothes/{item_id}"]
    assert {"put", "patch", "delete"} <= {m for m in item if "If-Match" in str(item[m])}


def test_etag_and_location_are_declared_where_sent(document):
    """Item responses carry ETag (a 304 too); a 201 names what it created in Location."""
    item_ref = "#/components/schemas/ClothingItem"
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            body = json.dumps(resolve(document, response).get("content", {}))
            if json.dumps(item_ref) in body or status == "304":
                assert "ETag" in response_headers(document, operation, status), (method, path)
            if status == "201" and path == "/clothes":
                assert "Location" in response_headers(document, operation, status)


@pytest.mark.parametrize(
    ("status", "header"), [("401", "WWW-Authenticate"), ("429", "Retry-After")]
)
def test_every_401_and_429_declares_its_header(document, status, header):
    answering = [op for _, _, op in operations(document) if status in op["responses"]]
    assert answering
    for operation in answering:
        assert header in response_headers(document, operation, status)


def test_declared_headers_are_sent(client, admin_headers):
    item = {"name": "Coat", "category": "outerwear", "size": "M", "color": "red", "price": 5}
    created = client.post("/clothes", json=item, headers=admin_headers)
    assert created.headers["ETag"] and created.headers["Location"]
    assert client.get("/auth/me").headers["WWW-Authenticate"].startswith("Bearer")
