"""Hostile request bodies at every endpoint that reads one: the contract's answer, always a
problem document, and nothing changed (users, auth_sessions and clothes compared row by row).

The catalogue, each entry thrown at every endpoint of ENDPOINTS, an admin's token attached:

    oversized            70 KB of JSON, over MAX_CONTENT_LENGTH        413 payload_too_large
    deeply nested        [[[...]]] 30,000 deep (RecursionError bait)   400 malformed_json
    nested in a field    {"name": [[...]]} 500 deep                    422 validation_error
    malformed            {"a":                                         400 malformed_json
    NaN, Infinity        bare JSON-ish constants                       400 malformed_json
    invalid UTF-8        latin-1 bytes                                 400 malformed_json
    raw NUL byte         inside a JSON string                          400 malformed_json
    not an object        [], "x", 1, true, null                        422 validation_error
    Content-Type         text/plain, form, none: 415 where a body is wanted, 422 (a body with
                         fields) on bodyless endpoints; `application/JSON`, `; charset=utf-8`
                         are JSON
    per text field       "\\u0000" and a lone surrogate "\\ud800" (raw JSON escape)  422 naming it
    wrong types          numbers, booleans, lists, objects in text fields; "5", 5.5, true,
                         10**30 as stock; true, "1e3", 10**30 as price; a role or is_active of
                         the wrong kind                                              422 naming it
    mass assignment      role, is_admin, id on register                             422, no user

Query strings, path ids and headers: test_bad_input_params.py.
"""

from __future__ import annotations

import json

import pytest

from tests.support.data import ITEM, PASSWORD
from tests.support.database import snapshot
from tests.support.http import assert_problem, bearer

ITEM_TEXT = ["name", "category", "size", "color", "description", "photo_url"]
REGISTER = {"email": "new@example.com", "password": "a fine long passphrase", "name": "N"}
LOGIN = {"email": "admin@example.com", "password": PASSWORD}
CHANGE = {"current_password": PASSWORD, "new_password": "another fine passphrase"}
# method, path, token (refresh wants the refresh one), a valid body, its text fields.
ENDPOINTS = [
    ("POST", "/auth/register", None, REGISTER, ["email", "password", "name"]),
    ("POST", "/auth/login", None, LOGIN, ["email", "password"]),
    ("POST", "/auth/refresh", "refresh", None, []),
    ("POST", "/auth/logout", "access", None, []),
    ("POST", "/auth/logout-all", "access", None, []),
    ("DELETE", "/auth/sessions/1", "access", None, []),
    ("PUT", "/auth/password", "access", CHANGE, ["current_password", "new_password"]),
    ("PATCH", "/users/2", "access", {"name": "Renamed"}, ["name"]),
    ("POST", "/clothes", "access", ITEM, ITEM_TEXT),
    ("PUT", "/clothes/1", "access", ITEM, ITEM_TEXT),
    ("PATCH", "/clothes/1", "access", {"stock": 3}, ITEM_TEXT),
    ("DELETE", "/clothes/1", "access", None, []),
]
BODIES = [
    ("oversized", b'{"name": "' + b"x" * 70_000 + b'"}', 413, "payload_too_large"),
    ("deeply nested", b"[" * 30_000 + b"]" * 30_000, 400, "malformed_json"),
    ("nested in a field", b'{"name": ' + b"[" * 500 + b"]" * 500 + b"}", 422, "validation_error"),
    ("malformed", b'{"a":', 400, "malformed_json"),
    ("NaN", b'{"name": NaN}', 400, "malformed_json"),
    ("Infinity", b'{"price": Infinity}', 400, "malformed_json"),
    ("invalid UTF-8", '{"name": "é"}'.encode("latin-1"), 400, "malformed_json"),
    ("raw NUL byte", b'{"name": "a\x00b"}', 400, "malformed_json"),
    ("array", b"[]", 422, "validation_error"),
    ("string", b'"x"', 422, "validation_error"),
    ("number", b"1", 422, "validation_error"),
    ("true", b"true", 422, "validation_error"),
    ("null", b"null", 422, "validation_error"),
]
UNSTORABLE = ['"a\\u0000b"', '"\\ud800"', '"x\\udfff"']
WRONG_TYPES = {
    "text": [5, True, [], {}, None],
    "stock": ["5", 5.5, True, 10**30, -1],
    "price": [True, [], "1e3", 10**30, "-1", "NaN"],
    "role": ["superuser", 1, None],
    "is_active": ["true", 1, None],
}


@pytest.fixture
def send(client, admin, user, login):
    """send(method, path, token kind, raw body, content type) as the admin; user 2 and item 1
    exist, so a body that got through would change something."""
    tokens = login(admin)
    response = client.post("/clothes", json=ITEM, headers=bearer(tokens["access_token"]))
    assert response.status_code == 201

    def do(method, path, token, raw, content_type="application/json"):
        headers = bearer(tokens[f"{token}_token"]) if token else {}
        return client.open(
            path, method=method, data=raw, content_type=content_type, headers=headers
        )

    return do


def refused(app, send, method, path, token, raw, status, code, **kwargs) -> dict:
    before = snapshot(app)
    body = assert_problem(send(method, path, token, raw, **kwargs), status, code)
    assert snapshot(app) == before, f"{method} {path} changed data"
    return body


@pytest.mark.parametrize(("name", "raw", "status", "code"), BODIES, ids=[b[0] for b in BODIES])
def test_hostile_bodies_at_every_endpoint(app, send, name, raw, status, code):
    for method, path, token, _, _ in ENDPOINTS:
        refused(app, send, method, path, token, raw, status, code)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_declared_json(app, send, content_type):
    """415 where a body is wanted; where none is, a body with fields is 422 whatever its type."""
    for method, path, token, body, _ in ENDPOINTS:
        status, code = (415, "unsupported_media_type") if body else (422, "validation_error")
        raw = json.dumps(body or {"unknown": 1})
        refused(app, send, method, path, token, raw, status, code, content_type=content_type)


@pytest.mark.parametrize("content_type", ["application/JSON", "application/json; charset=utf-8"])
def test_json_content_type_variants_are_read_as_json(app, send, content_type):
    for method, path, token, _, _ in ENDPOINTS:
        raw = json.dumps({"unknown": 1})
        body = refused(app, send, method, path, token, raw, 422, "validation_error",
                       content_type=content_type)  # fmt: skip
        assert "unknown" in body["errors"]


@pytest.mark.parametrize("bad", UNSTORABLE)
def test_nul_and_lone_surrogates_in_every_text_field(app, send, bad):
    for method, path, token, body, fields in ENDPOINTS:
        for field in fields:
            raw = json.dumps({**body, field: "PLACEHOLDER"}).replace('"PLACEHOLDER"', bad)
            errors = refused(app, send, method, path, token, raw, 422, "validation_error")
            assert field in errors["errors"], (path, field, errors)


def test_wrong_types_in_every_field(app, send):
    typed = [(e[0], e[1], e[2], e[3], f, WRONG_TYPES["text"]) for e in ENDPOINTS for f in e[4]]
    typed += [
        ("POST", "/clothes", "access", ITEM, "stock", WRONG_TYPES["stock"]),
        ("PATCH", "/clothes/1", "access", {}, "stock", WRONG_TYPES["stock"]),
        ("POST", "/clothes", "access", ITEM, "price", WRONG_TYPES["price"]),
        ("PUT", "/clothes/1", "access", ITEM, "price", WRONG_TYPES["price"]),
        ("PATCH", "/users/2", "access", {}, "role", WRONG_TYPES["role"]),
        ("PATCH", "/users/2", "access", {}, "is_active", WRONG_TYPES["is_active"]),
    ]
    for method, path, token, body, field, values in typed:
        for value in values:
            if value is None and field == "photo_url":
                continue  # null is how a photo is removed
            raw = json.dumps({**body, field: value})
            errors = refused(app, send, method, path, token, raw, 422, "validation_error")
            assert field in errors["errors"], (path, field, value, errors)


@pytest.mark.parametrize("extra", [{"role": "admin"}, {"is_admin": True}, {"id": 1}])
def test_register_refuses_mass_assignment(app, send, extra):
    body = {**REGISTER, **extra}
    errors = refused(app, send, "POST", "/auth/register", None, json.dumps(body), 422,
                     "validation_error")  # fmt: skip
    assert list(errors["errors"]) == list(extra)
