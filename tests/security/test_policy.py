"""Deny by default: every route declares who may call it, and the declarations are exported."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.views import MethodView

import app as app_package
from app import create_app
from app.security.authorization import admin_required, authenticated, roles_required
from app.security.route_policies import (
    UndeclaredPolicyError,
    check_every_route_has_a_policy,
    render_roles_table,
    routes_by_role,
)
from app.web.blueprint import Blueprint
from tests.support.database import sql_statements
from tests.support.http import assert_problem
from tests.support.paths import ROOT
from tests.support.settings import TEST_SECRETS

ROLES_MD = ROOT / "docs" / "roles.md"
CONTRACT_OPERATIONS = {
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/token"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/logout-all"),
    ("get", "/auth/me"),
    ("get", "/auth/sessions"),
    ("delete", "/auth/sessions/{session_id}"),
    ("put", "/auth/password"),
    ("post", "/auth/verify-email"),
    ("post", "/auth/verify-email/resend"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("patch", "/auth/me"),
    ("put", "/auth/email"),
    ("delete", "/auth/me"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/clothes"),
    ("post", "/clothes"),
    ("get", "/clothes/{item_id}"),
    ("put", "/clothes/{item_id}"),
    ("patch", "/clothes/{item_id}"),
    ("delete", "/clothes/{item_id}"),
    ("get", "/users"),
    ("get", "/users/{user_id}"),
    ("patch", "/users/{user_id}"),
    ("post", "/auth/mfa/totp"),
    ("post", "/auth/mfa/totp/confirm"),
    ("delete", "/auth/mfa/totp"),
    ("post", "/auth/mfa/recovery-codes"),
    ("post", "/auth/login/mfa"),
    ("delete", "/users/{user_id}/mfa"),
}
PUBLIC = {
    "/auth/register",
    "/auth/login",
    "/auth/login/mfa",
    "/auth/token",
    "/auth/verify-email",
    "/auth/password-reset",
    "/auth/password-reset/confirm",
    "/healthz",
    "/readyz",
    "/.well-known/jwks.json",
}


def undeclared_blueprint() -> Blueprint:
    blp = Blueprint("undeclared", __name__, url_prefix="/undeclared")

    @blp.route("/half")
    class Half(MethodView):
        @authenticated
        def get(self):
            return {}

        def delete(self):  # forgot its policy
            return "", 204

    @blp.route("/plain")
    def plain():  # forgot its policy
        return {}

    return blp


def test_route_without_policy_is_refused(app):
    app.register_blueprint(undeclared_blueprint())
    with pytest.raises(UndeclaredPolicyError) as raised:
        check_every_route_has_a_policy(app)
    message = str(raised.value)
    assert "DELETE /undeclared/half" in message
    assert "GET /undeclared/plain" in message
    assert "GET /undeclared/half" not in message


def test_create_app_refuses_to_start(tmp_path, monkeypatch):
    real = app_package.register_blueprints

    def with_an_undeclared_route(app) -> None:
        real(app)
        app.register_blueprint(undeclared_blueprint())

    monkeypatch.setattr(app_package, "register_blueprints", with_an_undeclared_route)
    overrides = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", **TEST_SECRETS}
    with pytest.raises(UndeclaredPolicyError):
        create_app("testing", overrides)


def test_roles_required_needs_a_role():
    with pytest.raises(ValueError, match="at least one role"):
        roles_required()


def test_every_real_route_declares_a_policy(app):
    routes = routes_by_role(app)
    assert routes and all(policy is not None for _, _, policy in routes)
    check_every_route_has_a_policy(app)  # does not raise


def test_protected_routes_refuse_anonymous_callers(app, client):
    for method, path, policy in routes_by_role(app):
        url = re.sub(r"<[^>]+>", "1", path)  # any path parameter: /clothes/<...:item_id>
        response = client.open(url, method=method)
        if policy.client:  # a service's Basic credentials, not a token
            assert_problem(response, 401, "invalid_client")
        elif policy.token is None:
            assert response.status_code != 401, (method, path)
        else:
            assert_problem(response, 401, "token_missing")


@pytest.fixture
def admin_probe(app: Flask) -> Flask:
    """A throwaway admin-only route with a path id, added before the app's first request."""
    blp = Blueprint("admin_probe", __name__, url_prefix="/admin-probe")

    @blp.route("/<int:thing_id>")
    class Thing(MethodView):
        @admin_required
        def get(self, thing_id: int):
            if thing_id != 1:
                return {"code": "not_found"}, 404
            return {"id": thing_id}

    app.register_blueprint(blp)
    return app


@pytest.mark.parametrize("thing_id", [1, 2])
def test_role_boundary(admin_probe, user_headers, admin_headers, thing_id):
    client = admin_probe.test_client()
    url = f"/admin-probe/{thing_id}"
    assert_problem(client.get(url), 401, "token_missing")
    # A user gets 403 whether or not the thing exists: authorization precedes any lookup.
    assert_problem(client.get(url, headers=user_headers), 403, "forbidden")
    response = client.get(url, headers=admin_headers)
    assert response.status_code == (200 if thing_id == 1 else 404)


def test_openapi_document_exports_policies(app, client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["passwordFlow"]["type"] == "oauth2"
    assert schemes["cookieAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "wardrobe_access",
        "description": schemes["cookieAuth"]["description"],
    }
    assert "X-CSRF-Token" in schemes["cookieAuth"]["description"]
    bearer_only = [{"bearerAuth": []}]
    # An access token from any of the three; the password flow gives no refresh token to
    # /auth/refresh (the refresh cookie is named in its description).
    access_token = [*bearer_only, {"passwordFlow": []}, {"cookieAuth": []}]
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert CONTRACT_OPERATIONS <= set(operations)
    declared = {
        (method, re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", path)): policy
        for method, path, policy in routes_by_role(app)
    }
    for (method, path), operation in operations.items():
        if path in PUBLIC:
            assert operation["security"] == [], (method, path)
            continue
        policy = declared[(method.upper(), path)]
        if policy.client:
            assert operation["security"] == [{"introspectionClient": []}], (method, path)
            assert "x-required-roles" not in operation, (method, path)
            assert "401" in operation["responses"], (method, path)
            continue
        expected = bearer_only if policy.describe() == "refresh token" else access_token
        assert operation["security"] == expected, (method, path)
        roles = policy.roles
        assert operation["x-required-roles"] == list(roles), (method, path)
        assert operation.get("x-requires-mfa", False) is policy.mfa, (method, path)
        assert "401" in operation["responses"], (method, path)
        if roles:
            assert "403" in operation["responses"], (method, path)


def test_openapi_and_docs_touch_no_database(app, client):
    with sql_statements(app) as seen:
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/docs").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert seen == []


def test_docs_use_no_cdn(client):
    html = client.get("/docs").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assert "script-src 'self'" in client.get("/docs").headers["Content-Security-Policy"]
    with client.get("/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200


def test_roles_md_is_up_to_date(app):
    assert ROLES_MD.read_text(encoding="utf-8") == render_roles_table(app), "run `make docs`"


def test_routes_by_role_command(app):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["routes-by-role"])
    assert result.exit_code == 0
    assert result.output == render_roles_table(app)
    assert "| PUT | `/auth/password` | any active user |" in result.output
    assert "| POST | `/auth/refresh` | refresh token |" in result.output
    assert "| POST | `/auth/login` | public |" in result.output


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/auth/register", {"201", "409", "422", "429"}),
        ("post", "/auth/login", {"200", "401", "422", "429"}),
        ("post", "/auth/refresh", {"200", "401"}),
        ("put", "/auth/password", {"204", "401", "403", "422"}),
        ("delete", "/auth/sessions/{session_id}", {"204", "401", "404"}),
        ("get", "/readyz", {"200", "503"}),
    ],
)
def test_openapi_documents_error_responses(client, method, path, statuses):
    document = client.get("/openapi.json").get_json()
    operation = document["paths"][path][method]
    assert statuses <= set(operation["responses"])
    problem = document["components"]["responses"]["UNAUTHORIZED"]["content"]
    assert "application/problem+json" in problem
