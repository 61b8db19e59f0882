"""Token lifetimes: expiry, leeway, wrong type, key rotation, and the claims we issue."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.support.http import assert_invalid, bearer, me
from tests.support.tokens import WRONG_KEY, claims_of, forge

# --- expiry and leeway --------------------------------------------------------------------


def test_expired_token(client, access_claims):
    access_claims["exp"] = int(time.time()) - 60
    response = me(client, forge(access_claims))
    assert_invalid(response, "token_expired")


def test_expired_refresh_token(client, tokens):
    claims = claims_of(tokens["refresh_token"])
    claims["exp"] = int(time.time()) - 60
    assert_invalid(client.post("/auth/refresh", headers=bearer(forge(claims))), "token_expired")


def test_no_leeway_by_default(client, access_claims):
    access_claims["exp"] = int(time.time()) - 1
    assert_invalid(me(client, forge(access_claims)), "token_expired")


def test_a_token_already_verified_is_refused_once_it_expires(client, access_claims):
    """Verified tokens are remembered (tokens.py), but `exp` is checked on every request."""
    access_claims["exp"] = int(time.time()) + 2
    token = forge(access_claims)
    assert me(client, token).status_code == 200
    assert me(client, token).status_code == 200
    time.sleep(max(0.0, access_claims["exp"] - time.time()) + 0.05)
    assert_invalid(me(client, token), "token_expired")


def test_expired_with_wrong_key_is_invalid_not_expired(client, access_claims):
    access_claims["exp"] = int(time.time()) - 60
    assert_invalid(me(client, forge(access_claims, WRONG_KEY)))


class TestLeeway:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"JWT_LEEWAY": 10}

    def test_expired_within_leeway_is_accepted(self, client, access_claims):
        access_claims["exp"] = int(time.time()) - 2
        assert me(client, forge(access_claims)).status_code == 200

    def test_expired_beyond_leeway_is_rejected(self, client, access_claims):
        access_claims["exp"] = int(time.time()) - 30
        assert_invalid(me(client, forge(access_claims)), "token_expired")


# --- wrong type ---------------------------------------------------------------------------


def test_refresh_token_is_not_an_access_token(client, tokens):
    assert_invalid(me(client, tokens["refresh_token"]), "wrong_token_type")
    response = client.post("/auth/logout", headers=bearer(tokens["refresh_token"]))
    assert_invalid(response, "wrong_token_type")


def test_access_token_is_not_a_refresh_token(client, tokens):
    response = client.post("/auth/refresh", headers=bearer(tokens["access_token"]))
    assert_invalid(response, "wrong_token_type")
    # The refresh token was not touched by the failed attempt.
    assert client.post("/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 200


# --- key rotation -------------------------------------------------------------------------

PREVIOUS_KEY = "the-previous-jwt-secret-key-0123456789abcdef"


class TestPreviousKeys:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"JWT_PREVIOUS_SECRET_KEYS": [PREVIOUS_KEY]}

    def test_token_signed_with_previous_key_is_accepted(self, client, access_claims):
        assert me(client, forge(access_claims, PREVIOUS_KEY)).status_code == 200

    def test_token_signed_with_a_random_key_is_not(self, client, access_claims):
        assert_invalid(me(client, forge(access_claims, WRONG_KEY)))

    def test_expired_token_with_previous_key_is_expired(self, client, access_claims):
        access_claims["exp"] = int(time.time()) - 60
        assert_invalid(me(client, forge(access_claims, PREVIOUS_KEY)), "token_expired")


def test_previous_key_not_accepted_unless_configured(client, access_claims):
    assert_invalid(me(client, forge(access_claims, PREVIOUS_KEY)))


# --- what issued tokens say ---------------------------------------------------------------


def test_issued_claims(app, make_user, login):
    user = make_user()
    tokens = login(user)
    before = int(time.time())
    access, refresh = claims_of(tokens["access_token"]), claims_of(tokens["refresh_token"])
    for claims in (access, refresh):
        assert claims["sub"] == str(user.id)
        assert claims["role"] == "user"
        assert isinstance(claims["sid"], int) and claims["sid"] >= 1
        assert isinstance(claims["jti"], str) and claims["jti"]
        assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int)
        assert abs(claims["iat"] - before) <= 2
        assert (claims["iss"], claims["aud"]) == ("wardrobe-api", "wardrobe-api")
    assert access["sid"] == refresh["sid"]
    assert access["jti"] != refresh["jti"]
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["exp"] - access["iat"] == app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    # The refresh token ends with its session, which began a moment before it was signed.
    lifetime = app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    assert refresh["exp"] - refresh["iat"] in (lifetime - 1, lifetime)
    # HS256 names no key: there is one secret (and the previous ones), tried in turn.
    assert jwt.get_unverified_header(tokens["access_token"]) == {"alg": "HS256", "typ": "JWT"}
    assert tokens["expires_in"] == app.config["JWT_ACCESS_TOKEN_EXPIRES"]


class TestConfiguredLifetimes:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"JWT_ACCESS_TOKEN_EXPIRES": 120, "JWT_REFRESH_TOKEN_EXPIRES": 7200}

    def test_lifetimes_follow_config(self, make_user, login):
        tokens = login(make_user())
        access, refresh = claims_of(tokens["access_token"]), claims_of(tokens["refresh_token"])
        assert access["exp"] - access["iat"] in (119, 120)
        assert refresh["exp"] - refresh["iat"] in (7199, 7200)
        assert tokens["expires_in"] in (119, 120)
