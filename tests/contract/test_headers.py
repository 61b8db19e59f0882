"""Security headers on every response, HSTS only over HTTPS, CORS only for CORS_ORIGINS."""

from __future__ import annotations

import pytest

from tests.support.data import PASSWORD
from tests.support.http import bearer
from tests.support.tokens import claims_of

ALLOWED = "https://app.example.com"


@pytest.mark.parametrize("path, status", [("/healthz", 200), ("/nowhere", 404), ("/auth/me", 401)])
def test_every_response_has_the_security_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    assert (
        "Access-Control-Allow-Origin" not in client.get(path, headers={"Origin": ALLOWED}).headers
    )


def test_the_docs_page_keeps_its_own_content_security_policy(client):
    assert "script-src 'self'" in client.get("/docs").headers["Content-Security-Policy"]


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_hsts_only_over_https(client):
    assert (
        "Strict-Transport-Security" in client.get("/healthz", base_url="https://localhost").headers
    )
    proxied = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


@pytest.fixture
def app_overrides(request) -> dict:
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_overrides", [{"CORS_ORIGINS": [ALLOWED]}], indirect=True)
def test_cors_answers_only_the_configured_origins(client, make_user, login):
    tokens = login(make_user())
    allowed = client.get("/auth/me", headers={"Origin": ALLOWED, **bearer(tokens["access_token"])})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


# --- Cache-Control: no-store on everything about an account ---------------------------------

ACCOUNT_CALLS = [
    ("POST", "/auth/register", "anyone", {"email": "new@example.com", "password": PASSWORD}, 201),
    ("POST", "/auth/login", "anyone", {"email": "admin@example.com", "password": PASSWORD}, 200),
    # A JSON body is refused (the grant takes a form: its 200 is in test_token_endpoint.py).
    ("POST", "/auth/token", "anyone", {"username": "admin@example.com"}, 415),
    ("POST", "/auth/refresh", "refresh", None, 200),
    ("GET", "/auth/me", "access", None, 200),
    ("GET", "/auth/sessions", "access", None, 200),
    ("GET", "/auth/token-info", "access", None, 200),
    ("PUT", "/auth/password", "access", {"current_password": "wrong", "new_password": "x"}, 403),
    ("DELETE", "/auth/sessions/{sid}", "access", None, 204),
    ("POST", "/auth/logout", "access", None, 204),
    ("POST", "/auth/logout-all", "access", None, 204),
    ("GET", "/users", "access", None, 200),
    ("GET", "/users/{uid}", "access", None, 200),
    ("PATCH", "/users/{uid}", "access", {"name": "Renamed"}, 200),
    ("GET", "/users/{uid}", "anyone", None, 401),
    ("PATCH", "/auth/me", "access", {"name": "Me"}, 200),
    ("PUT", "/auth/email", "access", {"current_password": "wrong", "new_email": "x@ex.com"}, 403),
    ("DELETE", "/auth/me", "access", {"current_password": "wrong"}, 403),
    ("POST", "/auth/verify-email", "anyone", {"token": "not-a-token"}, 400),
    ("POST", "/auth/verify-email/resend", "access", None, 202),
    ("POST", "/auth/password-reset", "anyone", {"email": "admin@example.com"}, 202),
    ("POST", "/auth/password-reset/confirm", "anyone", {"token": "x", "new_password": "y"}, 400),
    ("POST", "/auth/mfa/totp", "access", {"current_password": PASSWORD}, 201),
    ("POST", "/auth/mfa/totp/confirm", "access", {"code": "123456"}, 409),
    ("DELETE", "/auth/mfa/totp", "access", {"current_password": PASSWORD, "code": "123456"}, 409),
    (
        "POST",
        "/auth/mfa/recovery-codes",
        "access",
        {"current_password": PASSWORD, "code": "123456"},
        409,
    ),
    ("POST", "/auth/login/mfa", "anyone", {"mfa_token": "x", "code": "123456"}, 401),
    ("DELETE", "/users/{uid}/mfa", "access", None, 404),
    # No client credentials (its 200s are no-store too: tests/security/test_introspection.py).
    ("POST", "/auth/introspect", "anyone", {"token": "x"}, 401),
]


@pytest.mark.parametrize(("method", "path", "token", "body", "status"), ACCOUNT_CALLS)
def test_every_account_response_is_no_store(
    client, admin, make_user, login, method, path, token, body, status
):
    tokens = login(admin)
    url = path.format(sid=claims_of(tokens["access_token"])["sid"], uid=make_user().id)
    headers = {} if token == "anyone" else bearer(tokens[f"{token}_token"])
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers.getlist("Cache-Control") == ["no-store"]


def test_every_account_route_is_covered(app):
    covered = {(method, path.split("{")[0]) for method, path, *_ in ACCOUNT_CALLS}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"auth", "accounts", "mfa", "users"}:
            path = rule.rule.split("<")[0]
            assert {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}} <= covered, rule


def test_catalogue_and_health_responses_are_not_no_store(client, user_headers):
    assert "Cache-Control" not in client.get("/healthz").headers
    assert "Cache-Control" not in client.get("/clothes", headers=user_headers).headers


# --- Vary: Origin whenever CORS_ORIGINS is set ------------------------------------------------


@pytest.mark.parametrize(
    "app_overrides",
    [{"CORS_ORIGINS": [ALLOWED]}, {"CORS_ORIGINS": [ALLOWED, "http://localhost:3000"]}],
    ids=["one-origin", "two-origins"],
    indirect=True,
)
@pytest.mark.parametrize(
    "origin", [ALLOWED, "https://evil.example", None], ids=["allowed", "other", "absent"]
)
@pytest.mark.parametrize("path", ["/healthz", "/auth/me", "/nowhere"])
def test_cors_responses_vary_on_origin(client, origin, path):
    headers = {} if origin is None else {"Origin": origin}
    for response in (
        client.get(path, headers=headers),
        client.options(path, headers={**headers, "Access-Control-Request-Method": "GET"}),
    ):
        vary = [value.strip() for value in ",".join(response.headers.getlist("Vary")).split(",")]
        assert vary.count("Origin") == 1, response.headers


def test_no_vary_origin_without_cors(client):
    assert "Origin" not in client.get("/healthz", headers={"Origin": ALLOWED}).headers.get(
        "Vary", ""
    )
