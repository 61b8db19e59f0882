"""Authentication strength as an input to authorization: admin routes and one-time pins."""

from __future__ import annotations

import pytest

from app.security.route_policies import routes_by_role
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.mfa import enrol, login_with_pin

ADMIN_ROUTES = [
    ("get", "/users"),
    ("get", "/users/1"),
    ("patch", "/users/1"),
    ("post", "/clothes"),
    ("delete", "/users/1/mfa"),
]


@pytest.fixture
def app_overrides() -> dict:
    return {"ADMIN_MFA_REQUIRED": True}


def call(client, method, path, headers):
    body = {} if method in ("patch", "post") else None
    return client.open(path, method=method.upper(), json=body, headers=headers)


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_an_admin_session_without_a_pin_is_refused_after_the_role_check(
    client, admin_headers, headers_for, method, path
):
    assert_problem(call(client, method, path, headers_for(None)), 401, "token_missing")
    assert_problem(call(client, method, path, headers_for("user")), 403, "forbidden")
    body = assert_problem(call(client, method, path, admin_headers), 403, "mfa_session_required")
    assert "one-time pin" in body["detail"]


def test_an_admin_session_opened_with_a_pin_passes(app, client, admin, admin_headers):
    enrolled = enrol(client, admin_headers)  # enrolling needs no pin session: it is how to get one
    tokens = login_with_pin(client, app, admin, enrolled.secret)
    headers = bearer(tokens["access_token"])
    assert client.get("/users", headers=headers).status_code == 200
    assert client.post("/clothes", json={}, headers=headers).status_code == 422  # got past auth
    renewed = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"])).get_json()
    assert client.get("/users", headers=bearer(renewed["access_token"])).status_code == 200


def test_a_recovery_code_session_counts_as_a_pin_session(app, client, admin, admin_headers):
    enrolled = enrol(client, admin_headers)
    token = client.post(
        "/auth/login", json={"email": admin.email, "password": PASSWORD}
    ).get_json()["mfa_token"]
    response = client.post(
        "/auth/login/mfa", json={"mfa_token": token, "recovery_code": enrolled.recovery_codes[0]}
    )
    assert (
        client.get("/users", headers=bearer(response.get_json()["access_token"])).status_code == 200
    )


def test_routes_for_any_user_need_no_pin(client, admin_headers):
    assert client.get("/auth/me", headers=admin_headers).status_code == 200
    assert client.get("/clothes", headers=admin_headers).status_code == 200


def test_a_first_admin_from_the_cli_signs_in_with_a_password_and_enrols(app, client):
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["create-admin", "boss@example.com", "--password", PASSWORD]
        )
    assert result.exit_code == 0, result.output
    response = client.post("/auth/login", json={"email": "boss@example.com", "password": PASSWORD})
    headers = bearer(response.get_json()["access_token"])
    assert_problem(client.get("/users", headers=headers), 403, "mfa_session_required")
    assert enrol(client, headers).recovery_codes


def test_every_admin_only_route_declares_the_pin_requirement(app):
    admin_only = [
        p for _m, _path, p in routes_by_role(app) if p is not None and p.roles == ("admin",)
    ]
    assert admin_only and all(policy.mfa for policy in admin_only)
    assert "admin, in a one-time pin session if ADMIN_MFA_REQUIRED" in {
        policy.describe() for policy in admin_only
    }


def test_the_openapi_document_marks_them(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert paths["/users"]["get"]["x-requires-mfa"] is True
    assert paths["/users/{user_id}/mfa"]["delete"]["x-requires-mfa"] is True
    assert "x-requires-mfa" not in paths["/auth/me"]["get"]


class TestOffOutsideProduction:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {}

    def test_development_and_testing_default_to_off(self, app, client, admin_headers):
        assert app.config["ADMIN_MFA_REQUIRED"] is False
        assert client.get("/users", headers=admin_headers).status_code == 200
