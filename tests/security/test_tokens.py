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

import pytest

from tests.support.http import assert_invalid, assert_problem, bearer, me
from tests.support.tokens import SECRET, WRONG_KEY, claims_of, forge


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hand_signed(header: dict, claims: dict) -> str:
    """A token whose header names any algorithm, HMAC-SHA256-signed with our key."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


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


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "type", "sub", "role", "sid", "iss", "aud"])
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
        ("sid", -1),
        ("sid", 2**31),
        ("sid", 10**30),
        ("sid", True),
        ("iss", "https://another-issuer.example"),
        ("iss", "wardrobe-ap"),
        ("aud", "another-service"),
        ("aud", ["wardrobe-api", "another-service"]),
        ("aud", "wardrobe:mfa"),
    ],
)
def test_mistyped_claim(client, access_claims, claim, value):
    access_claims[claim] = value
    assert_invalid(me(client, forge(access_claims)))


@pytest.mark.parametrize("issuer", [["wardrobe-api"], 1, None])
def test_an_issuer_that_is_no_string_is_refused(client, access_claims, issuer):
    """PyJWT will not sign such a claim, so the token is signed by hand with our key."""
    token = hand_signed({"alg": "HS256", "typ": "JWT"}, {**access_claims, "iss": issuer})
    assert_invalid(me(client, token))


def test_role_claim_cannot_grant_admin(client, access_claims):
    """A user cannot raise their role by editing the claim: it must match the user row."""
    access_claims["role"] = "admin"
    response = me(client, forge(access_claims))
    assert_problem(response, 401, "token_stale")


def test_iat_in_the_future(client, access_claims):
    access_claims["iat"] = int(time.time()) + 3600
    assert_invalid(me(client, forge(access_claims)))


def test_sub_of_nonexistent_user(client, access_claims):
    access_claims["sub"] = "987654"
    response = me(client, forge(access_claims))
    assert_invalid(response)
    assert "987654" not in response.get_data(as_text=True)  # the sub is never echoed


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


def reencoded(token: str) -> str:
    """The same token with its signature's unused last base64 bits flipped: same bytes."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    return token[:-1] + alphabet[last ^ 1]


def test_reencoded_token_never_outlives_its_session(client, tokens):
    """Old PyJWT accepted re-encodings of one signature; revocation must go by session.

    Whether or not this PyJWT accepts the variant, it must not work after logout.
    """
    variant = reencoded(tokens["access_token"])
    assert variant != tokens["access_token"]
    assert me(client, variant).status_code in (200, 401)
    assert client.post("/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    response = me(client, variant)
    assert assert_problem(response, 401, response.get_json()["code"])["code"] in (
        "token_revoked",
        "token_invalid",
    )
    response = client.post("/auth/refresh", headers=bearer(reencoded(tokens["refresh_token"])))
    assert response.status_code == 401
    assert response.get_json()["code"] in ("token_revoked", "token_invalid")
