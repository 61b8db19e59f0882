"""Every error is a problem document: Werkzeug's, the parser's, validation's, the 500."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.views import MethodView
from marshmallow import Schema, fields

from app.security.authorization import public
from app.web.blueprint import Blueprint
from app.web.fields import Text
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.tokens import claims_of

REGISTER = {"email": "ada@example.com", "password": "a long passphrase"}


def post_raw(client, path: str, data, content_type: str | None = "application/json", **kwargs):
    return client.post(path, data=data, content_type=content_type, **kwargs)


def test_unknown_route(client):
    response = client.get("/no/such/route")
    assert_problem(response, 404, "not_found")
    assert "<html" not in response.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/auth/login", "POST"),
        ("delete", "/auth/sessions", "GET"),
        ("put", "/healthz", "GET"),
    ],
)
def test_method_not_allowed_names_allowed_methods(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert_problem(response, 405, "method_not_allowed")
    assert allowed in [part.strip() for part in response.headers["Allow"].split(",")]


def test_payload_too_large(app, client):
    body = json.dumps({**REGISTER, "name": "x" * app.config["MAX_CONTENT_LENGTH"]})
    assert_problem(post_raw(client, "/auth/register", body), 413, "payload_too_large")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", None],
)
def test_unsupported_media_type(client, content_type):
    response = post_raw(client, "/auth/register", json.dumps(REGISTER), content_type)
    assert_problem(response, 415, "unsupported_media_type")


def test_json_with_charset_is_json(client):
    response = post_raw(
        client, "/auth/register", json.dumps(REGISTER), "application/json; charset=utf-8"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "data",
    ['{"email": ', "{'email': 'a'}", '{"email": NaN}', '{"a": Infinity}', "-Infinity", "\xff"],
    ids=["truncated", "single-quotes", "nan", "infinity", "minus-infinity", "not-utf8"],
)
def test_malformed_json(client, data):
    raw = data.encode("latin-1") if data == "\xff" else data
    assert_problem(post_raw(client, "/auth/register", raw), 400, "malformed_json")


@pytest.mark.parametrize(
    "data",
    ["[" * 60_000, "[" * 1000 + "]" * 1000, '{"email": ' * 900 + "1" + "}" * 900],
    ids=["unclosed-60k", "1000-levels", "900-objects"],
)
def test_deeply_nested_json_is_never_500(client, data):
    response = post_raw(client, "/auth/register", data)
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code, response.get_json()["code"])


class TestBiggerBodies:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"MAX_CONTENT_LENGTH": 200_000}

    def test_unclosed_100k_brackets(self, client):
        assert_problem(post_raw(client, "/auth/register", "[" * 100_000), 400, "malformed_json")


@pytest.mark.parametrize("data", ["[]", '["a"]', '"text"', "1", "true", "null"])
def test_body_that_is_not_an_object(client, data):
    assert_problem(post_raw(client, "/auth/register", data), 422, "validation_error")


def test_empty_body_where_one_is_needed(client):
    assert_problem(post_raw(client, "/auth/register", ""), 422, "validation_error")


class InnerSchema(Schema):
    street = Text(required=True)
    number = fields.Integer(required=True, strict=True)


class OuterSchema(Schema):
    name = Text(required=True)
    address = fields.Nested(InnerSchema, required=True)


@pytest.fixture
def probe_app(app: Flask) -> Flask:
    """The app plus two throwaway routes, added before its first request."""
    blp = Blueprint("probe", __name__, url_prefix="/probe")

    @blp.route("/nested")
    class Nested(MethodView):
        @public
        @blp.arguments(OuterSchema)
        def post(self, body: dict):
            return body

    @blp.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret detail: SELECT password_hash FROM users")

    app.register_blueprint(blp)
    return app


def test_validation_errors_are_nested_by_field(probe_app):
    client = probe_app.test_client()
    body = {"name": "", "address": {"street": "Main\x00", "number": "5"}, "extra": 1}
    problem = assert_problem(client.post("/probe/nested", json=body), 422, "validation_error")
    errors = problem["errors"]
    assert set(errors) == {"address", "extra"}
    assert set(errors["address"]) == {"street", "number"}
    assert isinstance(errors["address"]["street"], list)
    ok = {"name": "n", "address": {"street": "Main", "number": 5}}
    assert client.post("/probe/nested", json=ok).get_json() == ok


def test_unexpected_exception_is_a_bare_500(probe_app, caplog):
    client = probe_app.test_client()
    with caplog.at_level(logging.ERROR, logger="app.problems"):
        response = client.get("/probe/boom")
    body = assert_problem(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "secret", "SELECT", "password_hash"):
        assert leak not in text
    assert set(body) <= {"type", "title", "status", "code", "detail"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "RuntimeError" in caplog.text  # the trace is logged on the server instead


# --- endpoints that take no body ----------------------------------------------------------

NO_BODY_VARIANTS = {
    "absent": {},
    "empty": {"data": b"", "content_type": "application/json"},
    "empty-object": {"data": b"{}", "content_type": "application/json"},
    "empty-object-text": {"data": b"{}", "content_type": "text/plain"},
    "empty-object-no-type": {"data": b"{}"},
}


def _no_body_call(client, tokens: dict, endpoint: str, **kwargs):
    if endpoint == "refresh":
        return client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]), **kwargs)
    headers = bearer(tokens["access_token"])
    if endpoint == "session":
        sid = claims_of(tokens["access_token"])["sid"]
        return client.delete(f"/auth/sessions/{sid}", headers=headers, **kwargs)
    return client.post(f"/auth/{endpoint}", headers=headers, **kwargs)


ENDPOINTS = ["refresh", "logout", "logout-all", "session"]


@pytest.mark.parametrize("variant", NO_BODY_VARIANTS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_body_endpoints_accept_nothing(client, make_user, login, endpoint, variant):
    tokens = login(make_user())
    response = _no_body_call(client, tokens, endpoint, **NO_BODY_VARIANTS[variant])
    assert response.status_code == (200 if endpoint == "refresh" else 204), response.data


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_body_endpoints_refuse_fields(client, make_user, login, endpoint):
    tokens = login(make_user())
    response = _no_body_call(client, tokens, endpoint, json={"everywhere": True})
    problem = assert_problem(response, 422, "validation_error")
    assert "everywhere" in problem["errors"]
    response = _no_body_call(client, tokens, endpoint, data=b"{oops", content_type="text/plain")
    assert_problem(response, 400, "malformed_json")
    # Refused requests did nothing: the session still works.
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.post("/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 200


# --- authentication comes first -----------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"bogus": 1}},
        {"data": b"{not json", "content_type": "application/json"},
        {"data": b"hello", "content_type": "text/plain"},
        {"data": b"[" * 70_000, "content_type": "application/json"},
    ],
    ids=["invalid-fields", "malformed", "wrong-type", "too-large"],
)
@pytest.mark.parametrize("token", [None, "garbage"], ids=["no-token", "bad-token"])
def test_authentication_before_body(client, kwargs, token):
    headers = bearer(token) if token else {}
    response = client.put("/auth/password", headers=headers, **kwargs)
    assert_problem(response, 401, "token_invalid" if token else "token_missing")


def test_options_runs_no_view_logic(client, make_user, login):
    tokens = login(make_user())
    for path in ("/auth/logout", "/auth/logout-all"):
        response = client.options(path, headers=bearer(tokens["access_token"]))
        assert response.status_code == 200
        assert "POST" in response.headers["Allow"]
    response = client.options("/auth/me", headers=bearer(tokens["access_token"]))
    assert b"example.com" not in response.data
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.post("/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 200


def test_head_is_authenticated_like_get(client):
    response = client.head("/auth/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_nosniff_on_every_response(client, make_user, login):
    user = make_user()
    tokens = login(user)
    auth = bearer(tokens["access_token"])
    responses = [
        client.get("/healthz"),
        client.get("/readyz"),
        client.get("/openapi.json"),
        client.get("/docs"),
        client.get("/auth/me", headers=auth),
        client.get("/auth/sessions", headers=auth),
        client.options("/auth/me"),
        client.get("/auth/me"),
        client.get("/nowhere"),
        client.get("/auth/login"),
        post_raw(client, "/auth/register", "x", "text/plain"),
        post_raw(client, "/auth/register", "{"),
        client.post("/auth/register", json={}),
        client.post("/auth/login", json={"email": user.email, "password": "nope nope"}),
        client.put(
            "/auth/password",
            headers=auth,
            json={"current_password": "x" * 9, "new_password": PASSWORD},
        ),
        client.post("/auth/logout", headers=auth),
    ]
    for response in responses:
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.status
