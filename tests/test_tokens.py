"""Every way a token is refused, with its `code`, and what issued tokens contain.

Bad tokens are forged with PyJWT, with the app's own key where the attack needs it (other
algorithm, missing claim) and with a wrong key where it does not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import warnings

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from tests.conftest import TEST_SECRETS, assert_problem, bearer, claims_of

SECRET = TEST_SECRETS["JWT_SECRET_KEY"]
WRONG_KEY = "an-attackers-key-that-is-long-enough-0123456789"
INVALID_CHALLENGE = 'Bearer error="invalid_token"'


def forge(claims: dict, key: str | None = SECRET, algorithm: str = "HS256", **headers) -> str:
    with warnings.catch_warnings():
        # HS384/HS512 want a longer key than ours; the point here is that we refuse them.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hand_signed(header: dict, claims: dict) -> str:
    """A token whose header names any algorithm, HMAC-SHA256-signed with our key."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.fixture
def tokens(make_user, login) -> dict:
    return login(make_user())


@pytest.fixture
def access_claims(tokens) -> dict:
    return claims_of(tokens["access_token"])


def me(client, token: str | None = None, **kwargs):
    headers = bearer(token) if token is not None else {}
    return client.get("/auth/me", headers=headers, **kwargs)


def assert_invalid(response, code: str = "token_invalid") -> None:
    assert_problem(response, 401, code)
    assert response.headers["WWW-Authenticate"] == INVALID_CHALLENGE


# --- no token where we look for one -------------------------------------------------------


def test_no_header_is_token_missing(client):
    response = me(client)
    assert_problem(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_in_query_string_is_ignored(client, tokens):
    response = client.get(f"/auth/me?access_token={tokens['access_token']}")
    assert_problem(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_in_json_body_is_ignored(client, tokens):
    response = client.post("/auth/logout", json={"access_token": tokens["access_token"]})
    assert_problem(response, 401, "token_missing")
    # ...and the session it names is untouched.
    assert me(client, tokens["access_token"]).status_code == 200


def test_valid_token_is_accepted(client, tokens):
    response = me(client, tokens["access_token"])
    assert response.status_code == 200
    assert response.get_json()["id"] == int(claims_of(tokens["access_token"])["sub"])


# --- malformed headers and forged tokens --------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc.def.ghi", "Bearer a b", ""],
    ids=["basic", "bearer-nothing", "bearer-space", "other-scheme", "two-tokens", "empty"],
)
def test_malformed_authorization_header(client, header):
    assert_invalid(client.get("/auth/me", headers={"Authorization": header}))


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "x" * 5000],
    ids=["garbage", "three-parts", "empty-parts", "huge"],
)
def test_garbage_token(client, token):
    assert_invalid(me(client, token))


def test_wrong_key(client, access_claims):
    assert_invalid(me(client, forge(access_claims, WRONG_KEY)))


def test_alg_none(client, access_claims):
    assert_invalid(me(client, forge(access_claims, None, "none")))


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithm_with_our_key(client, access_claims, algorithm):
    assert_invalid(me(client, forge(access_claims, SECRET, algorithm)))


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "none", "NONE", "hs256"])
def test_header_naming_another_algorithm(client, access_claims, alg):
    assert_invalid(me(client, hand_signed({"alg": alg, "typ": "JWT"}, access_claims)))


def test_hand_signed_control_is_accepted(client, access_claims):
    """The forger above makes tokens we accept when the header is honest."""
    assert me(client, hand_signed({"alg": "HS256", "typ": "JWT"}, access_claims)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"jku": "https://evil.example/jwks.json"},
        {"x5u": "https://evil.example/cert.pem"},
        {"jwk": {"kty": "oct", "k": base64.urlsafe_b64encode(WRONG_KEY.encode()).decode()}},
        {"kid": "../../../../dev/null"},
    ],
    ids=["jku", "x5u", "jwk", "kid"],
)
def test_key_from_token_header_is_not_used(client, access_claims, headers):
    assert_invalid(me(client, forge(access_claims, WRONG_KEY, **headers)))


def test_unknown_crit_header(client, access_claims):
    token = forge(access_claims, SECRET, crit=["exp-ext"], **{"exp-ext": True})
    assert_invalid(me(client, token))


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "type", "sub", "role", "sid"])
def test_missing_claim(client, access_claims, claim):
    del access_claims[claim]
    assert_invalid(me(client, forge(access_claims)))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", "9999999999"),
        ("exp", 9999999999.5),
        ("exp", None),
        ("iat", 1.5),
        ("iat", "1"),
        ("sub", 1),
        ("sub", "abc"),
        ("sub", ["1"]),
        ("jti", ""),
        ("jti", 7),
        ("role", "superuser"),
        ("role", ["admin"]),
        ("type", "id"),
        ("sid", "1"),
        ("sid", 0),
        ("sid", True),
    ],
)
def test_mistyped_claim(client, access_claims, claim, value):
    access_claims[claim] = value
    assert_invalid(me(client, forge(access_claims)))


def test_role_claim_cannot_grant_admin(client, access_claims):
    """A user cannot raise their role by editing the claim: it must match the user row."""
    access_claims["role"] = "admin"
    response = me(client, forge(access_claims))
    assert_problem(response, 401, "token_stale")


def test_iat_in_the_future(client, access_claims):
    access_claims["iat"] = int(time.time()) + 3600
    assert_invalid(me(client, forge(access_claims)))


def test_sub_of_nonexistent_user(client, access_claims):
    access_claims["sub"] = "999999"
    assert_invalid(me(client, forge(access_claims)))


def test_sid_of_nonexistent_session(client, access_claims):
    access_claims["sid"] = 999_999
    assert_invalid(me(client, forge(access_claims)))


def test_sid_of_another_users_session(client, make_user, login, access_claims):
    other = claims_of(login(make_user())["access_token"])
    access_claims["sid"] = other["sid"]
    assert_invalid(me(client, forge(access_claims)))


def test_deleted_user(app, client, tokens):
    from app.extensions import db
    from app.identity.models import User

    with app.app_context():
        db.session.delete(db.session.get(User, int(claims_of(tokens["access_token"])["sub"])))
        db.session.commit()
    assert_invalid(me(client, tokens["access_token"]))
    assert_invalid(client.post("/auth/refresh", headers=bearer(tokens["refresh_token"])))


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
    assert access["sid"] == refresh["sid"]
    assert access["jti"] != refresh["jti"]
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["exp"] - access["iat"] == app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    # The refresh token ends with its session, which began a moment before it was signed.
    lifetime = app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    assert refresh["exp"] - refresh["iat"] in (lifetime - 1, lifetime)
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "HS256"
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
