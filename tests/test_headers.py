"""Security headers on every response, HSTS only over HTTPS, CORS only for CORS_ORIGINS."""

from __future__ import annotations

import pytest

from tests.conftest import bearer

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


@pytest.mark.parametrize("app_overrides", [{"CORS_ORIGINS": [ALLOWED]}], indirect=True)
def test_a_preflight_needs_no_token_and_allows_the_bearer_header(client):
    preflight = client.options(
        "/auth/me",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
