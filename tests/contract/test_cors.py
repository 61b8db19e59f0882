"""CORS_ORIGINS: browsers at the listed origins may call the API; by default no one may."""

from __future__ import annotations

import pytest

from tests.support.http import assert_problem

ALLOWED = "https://app.example"


def preflight(client, path: str, origin: str, method: str = "POST", headers: str = ""):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def test_no_cors_by_default(client):
    response = preflight(client, "/auth/login", ALLOWED, headers="content-type")
    assert "Access-Control-Allow-Origin" not in response.headers
    response = client.get("/healthz", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


class TestWithOrigins:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"CORS_ORIGINS": [ALLOWED, "http://localhost:3000"]}

    def test_preflight_from_an_allowed_origin(self, client):
        response = preflight(client, "/auth/me", ALLOWED, "GET", "authorization")
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
        assert "Access-Control-Allow-Credentials" not in response.headers  # bearer, no cookies

    def test_preflight_for_json_bodies(self, client):
        response = preflight(client, "/auth/login", ALLOWED, "POST", "content-type")
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "POST" in response.headers["Access-Control-Allow-Methods"]

    def test_errors_are_readable_by_the_allowed_origin(self, client):
        response = client.get("/auth/me", headers={"Origin": "http://localhost:3000"})
        assert_problem(response, 401, "token_missing")
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        exposed = response.headers["Access-Control-Expose-Headers"].lower()
        assert "www-authenticate" in exposed and "retry-after" in exposed

    def test_other_origins_get_nothing(self, client):
        response = preflight(client, "/auth/login", "https://evil.example", headers="content-type")
        assert "Access-Control-Allow-Origin" not in response.headers
        response = client.get("/healthz", headers={"Origin": "https://app.example.evil.example"})
        assert "Access-Control-Allow-Origin" not in response.headers
