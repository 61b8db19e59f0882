"""A whole session under each signing algorithm, by header and by cookie: what every other
test checks with HS256 holds with EdDSA too (register, login, me, refresh, logout)."""

from __future__ import annotations

import jwt
import pytest

from tests.support.cookies import cookie_login, session_from
from tests.support.data import PASSWORD
from tests.support.http import assert_invalid, bearer, me
from tests.support.signing import eddsa_settings, new_key


@pytest.fixture(params=["HS256", "EdDSA"])
def algorithm(request) -> str:
    return request.param


@pytest.fixture
def app_overrides(algorithm, tmp_path) -> dict:
    return eddsa_settings(new_key(tmp_path / "keys")) if algorithm == "EdDSA" else {}


def register(client, email: str) -> None:
    response = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()


def test_header_session_from_register_to_logout(client, algorithm):
    register(client, "smoke@example.com")
    login = client.post("/auth/login", json={"email": "smoke@example.com", "password": PASSWORD})
    assert login.status_code == 200, login.get_json()
    pair = login.get_json()
    assert jwt.get_unverified_header(pair["access_token"])["alg"] == algorithm
    assert me(client, pair["access_token"]).status_code == 200
    refreshed = client.post("/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert refreshed.status_code == 200, refreshed.get_json()
    new = refreshed.get_json()
    assert me(client, new["access_token"]).status_code == 200
    assert_invalid(
        client.post("/auth/refresh", headers=bearer(pair["refresh_token"])), "refresh_reused"
    )
    for token in (pair["access_token"], new["access_token"]):
        assert_invalid(me(client, token), "token_revoked")


def test_header_logout_ends_the_session(client, algorithm):
    register(client, "bye@example.com")
    pair = client.post(
        "/auth/login", json={"email": "bye@example.com", "password": PASSWORD}
    ).get_json()
    assert client.post("/auth/logout", headers=bearer(pair["access_token"])).status_code == 204
    assert_invalid(me(client, pair["access_token"]), "token_revoked")
    assert_invalid(
        client.post("/auth/refresh", headers=bearer(pair["refresh_token"])), "token_revoked"
    )


def test_cookie_session_from_register_to_logout(app, algorithm):
    client = app.test_client(use_cookies=False)
    register(client, "cookie@example.com")
    session = cookie_login(client, "cookie@example.com")
    assert jwt.get_unverified_header(session.access)["alg"] == algorithm
    assert client.get("/auth/me", headers=session.access_cookies()).status_code == 200
    refreshed = client.post("/auth/refresh", headers=session.with_csrf(session.refresh_cookies()))
    assert refreshed.status_code == 200, refreshed.get_json()
    new = session_from(refreshed)
    assert client.get("/auth/me", headers=new.access_cookies()).status_code == 200
    logout = client.post("/auth/logout", headers=new.with_csrf(new.access_cookies()))
    assert logout.status_code == 204
    assert client.get("/auth/me", headers=new.access_cookies()).status_code == 401
