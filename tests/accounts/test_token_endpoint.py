"""POST /auth/token: the OAuth 2 password grant (a login from a form), and its place in the
document as the password-flow security scheme that Swagger UI's Authorize uses."""

from __future__ import annotations

import logging

import pytest

from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer

FORM = {"grant_type": "password", "password": PASSWORD}


def grant(client, username: str, **fields: str):
    return client.post("/auth/token", data={**FORM, "username": username, **fields})


def assert_oauth_problem(response, code: str, error: str) -> dict:
    body = assert_problem(response, 400, code)
    assert body["error"] == error
    assert "WWW-Authenticate" not in response.headers
    return body


def test_the_grant_opens_a_session_like_a_login(client, make_user, verifications):
    user = make_user(email="ada@example.com")
    # The username is normalised as a login's email; unknown fields (scope...) are ignored.
    response = grant(client, "  ADA@Example.COM ", scope="anything", client_id="swagger")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert response.headers["Cache-Control"] == "no-store"
    assert len(verifications) == 1
    me = client.get("/auth/me", headers=bearer(body["access_token"]))
    assert me.get_json()["email"] == user.email
    sessions = client.get("/auth/sessions", headers=bearer(body["access_token"])).get_json()
    assert [item["current"] for item in sessions["items"]] == [True]
    assert client.post("/auth/refresh", headers=bearer(body["refresh_token"])).status_code == 200


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "deactivated"])
def test_wrong_credentials_are_invalid_grant(case, client, make_user, verifications, caplog):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    user = make_user(is_active=case != "deactivated")
    username = "nobody@example.com" if case == "unknown email" else user.email
    password = "wrong password!" if case == "wrong password" else PASSWORD
    body = assert_oauth_problem(
        grant(client, username, password=password), "invalid_credentials", "invalid_grant"
    )
    assert PASSWORD not in str(body)
    assert len(verifications) == 1
    events = [record.audit["event"] for record in caplog.records if hasattr(record, "audit")]
    assert events == ["login_failed"]


@pytest.mark.parametrize(
    ("fields", "error", "bad"),
    [
        ({"grant_type": "client_credentials"}, "unsupported_grant_type", "grant_type"),
        ({"grant_type": ""}, "unsupported_grant_type", "grant_type"),
        ({"grant_type": None}, "unsupported_grant_type", "grant_type"),
        ({"username": None}, "invalid_request", "username"),
        ({"password": None}, "invalid_request", "password"),
        ({"username": "not an email"}, "invalid_request", "username"),
        ({"password": "nul\x00"}, "invalid_request", "password"),
    ],
)
def test_a_form_it_cannot_take_is_400(fields, error, bad, client, make_user, verifications):
    user = make_user()
    form = {**FORM, "username": user.email, **fields}
    form = {name: value for name, value in form.items() if value is not None}
    body = assert_oauth_problem(client.post("/auth/token", data=form), "validation_error", error)
    assert list(body["errors"]) == [bad]
    assert verifications == []


def test_a_json_body_is_415(client, make_user):
    user = make_user()
    response = client.post("/auth/token", json={**FORM, "username": user.email})
    assert_problem(response, 415, "unsupported_media_type")


class TestSharedLoginLimit:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"LOGIN_RATE_LIMIT": "3 per minute"}

    def test_token_and_login_spend_one_budget(self, client, make_user):
        user = make_user()
        login = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
        assert login.status_code == 200
        assert grant(client, user.email).status_code == 200
        assert grant(client, "nobody@example.com").status_code == 400
        response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
        assert_problem(response, 429, "rate_limited")
        assert_problem(grant(client, user.email), 429, "rate_limited")
        assert response.headers["Retry-After"].isdigit()


class TestAccountThrottle:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"LOGIN_ACCOUNT_RATE_LIMIT": "2 per minute"}

    def test_failed_grants_count_against_the_account(self, client, make_user):
        user = make_user()
        for index in range(2):
            remote = {"REMOTE_ADDR": f"198.51.100.{index + 1}"}
            response = client.post(
                "/auth/token",
                data={**FORM, "username": user.email, "password": "wrong password!"},
                environ_base=remote,
            )
            assert response.status_code == 400
        response = client.post(
            "/auth/login",
            json={"email": user.email, "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
        assert_problem(response, 429, "rate_limited")


def test_the_document_declares_the_password_flow(client):
    document = client.get("/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    flow = schemes["passwordFlow"]
    assert flow["type"] == "oauth2"
    assert flow["flows"]["password"]["tokenUrl"] == "auth/token"
    operation = document["paths"]["/auth/token"]["post"]
    assert operation["security"] == []
    assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]
    either = [{"bearerAuth": []}, {"passwordFlow": []}, {"cookieAuth": []}]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters" or not operation["security"]:
                continue
            if path == "/auth/introspect":  # a resource server's credentials, no user's
                assert operation["security"] == [{"introspectionClient": []}]
                continue
            expected = [{"bearerAuth": []}] if path == "/auth/refresh" else either
            assert operation["security"] == expected, (method, path)
            assert "x-required-roles" in operation
