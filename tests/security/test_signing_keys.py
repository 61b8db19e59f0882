"""EdDSA signing: tokens carry our `kid`, and nothing in a header chooses the key material.

The app signs with the first key of JWT_PRIVATE_KEY_FILES. Every forgery here is built from
outside with PyJWT or by hand: a kid we do not hold, our kid on another key's signature, the
public key used as an HMAC secret, another algorithm, a key or key URL in the header, and a
wrong or missing `iss` or `aud`. Each is refused with token_invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from tests.support.http import assert_invalid, me
from tests.support.signing import eddsa_settings, new_key
from tests.support.tokens import SECRET, claims_of

AUDIENCE = "wardrobe-api"
ISSUER = "wardrobe-api"


@pytest.fixture
def key(tmp_path):
    return new_key(tmp_path / "keys")


@pytest.fixture
def app_overrides(key) -> dict:
    return eddsa_settings(key)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict, claims: dict, sign) -> str:
    """A token with exactly this header, signed by `sign(signing_input) -> bytes`."""
    signing_input = ".".join(
        b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def signed_with_ours(key, claims: dict, **headers) -> str:
    """Signed with the app's own private key, so only what we change can be refused."""
    private = serialization.load_pem_private_key(key.private_pem(), password=None)
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": key.kid, **headers})


# --- what the app issues --------------------------------------------------------------------


def test_tokens_name_our_key_and_verify_with_its_public_half_alone(key, tokens):
    for token in (tokens["access_token"], tokens["refresh_token"]):
        header = jwt.get_unverified_header(token)
        assert header == {"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}
        # A resource server holds only the public key: no secret of ours.
        claims = jwt.decode(
            token, key.public_pem(), algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER
        )
        assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE


def test_the_hs256_secret_verifies_nothing_under_eddsa(tokens):
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(tokens["access_token"], SECRET, algorithms=["HS256"], audience=AUDIENCE)


# --- the header names one of OUR keys, and nothing else -------------------------------------


def test_a_kid_we_do_not_hold_is_refused(client, access_claims):
    stranger = ed25519.Ed25519PrivateKey.generate()
    token = jwt.encode(access_claims, stranger, algorithm="EdDSA", headers={"kid": "not-ours"})
    assert_invalid(me(client, token))


def test_our_kid_on_another_keys_signature_is_refused(client, key, access_claims):
    stranger = ed25519.Ed25519PrivateKey.generate()
    token = jwt.encode(access_claims, stranger, algorithm="EdDSA", headers={"kid": key.kid})
    assert_invalid(me(client, token))


@pytest.mark.parametrize("kid", [None, 7, ["x"], ""])
def test_a_missing_or_malformed_kid_is_refused(client, key, access_claims, kid):
    private = serialization.load_pem_private_key(key.private_pem(), password=None)
    header = {"alg": "EdDSA", "typ": "JWT"} | ({} if kid is None else {"kid": kid})
    assert_invalid(me(client, hand_made(header, access_claims, private.sign)))


@pytest.mark.parametrize(
    "secret",
    ["public_pem", "public_raw", "public_x"],
    ids=["PEM", "raw bytes", "JWK x"],
)
def test_the_public_key_as_an_hmac_secret_is_refused(client, key, access_claims, secret):
    """The classic algorithm confusion: HS256 keyed with what anyone can download."""
    public = serialization.load_pem_public_key(key.public_pem())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    material = {"public_pem": key.public_pem(), "public_raw": raw, "public_x": b64(raw).encode()}
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    token = hand_made(
        header,
        access_claims,
        lambda data: hmac.new(material[secret], data, hashlib.sha256).digest(),
    )
    assert_invalid(me(client, token))


def test_hs256_with_the_shared_secret_is_refused_under_eddsa(client, key, access_claims):
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    token = hand_made(
        header, access_claims, lambda data: hmac.new(SECRET.encode(), data, hashlib.sha256).digest()
    )
    assert_invalid(me(client, token))


def test_alg_none_is_refused(client, key, access_claims):
    header = {"alg": "none", "typ": "JWT", "kid": key.kid}
    assert_invalid(me(client, hand_made(header, access_claims, lambda _data: b"")))


def test_an_rs256_header_is_refused(client, key, access_claims):
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(access_claims, attacker, algorithm="RS256", headers={"kid": key.kid})
    assert_invalid(me(client, token))


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        type(self).requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *_args):
        pass


def test_a_key_or_key_url_in_the_header_is_never_used_nor_fetched(client, access_claims):
    """jwk carries the attacker's own key; jku and x5u point at a server that records calls."""
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    attacker = ed25519.Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(attacker.public_key()))
    try:
        for extra in ({"jwk": jwk}, {"jku": url}, {"x5u": url}, {"jwk": jwk, "jku": url}):
            token = jwt.encode(access_claims, attacker, algorithm="EdDSA", headers=extra)
            assert_invalid(me(client, token))
        time.sleep(0.2)
        assert _Recorder.requests == []
    finally:
        server.shutdown()
        server.server_close()


# --- iss and aud: required, and exactly ours ------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "https://evil.example"},
        {"iss": "wardrobe-api-not"},
        {"iss": None},
        {"aud": "another-service"},
        {"aud": None},
        {"aud": ["wardrobe-api", "another-service"]},
        {"aud": "wardrobe:mfa"},
    ],
    ids=["foreign iss", "longer iss", "no iss", "foreign aud", "no aud", "aud list", "mfa aud"],
)
def test_a_wrong_or_missing_issuer_or_audience_is_refused(client, key, access_claims, change):
    claims = {**access_claims, **change}
    claims = {name: value for name, value in claims.items() if value is not None}
    assert_invalid(me(client, signed_with_ours(key, claims)))


def test_the_control_token_signed_with_our_key_is_accepted(client, key, access_claims):
    """The forgeries above fail for what they change, not for how the tests sign."""
    assert me(client, signed_with_ours(key, access_claims)).status_code == 200


def test_claims_report_issuer_and_audience(app, tokens):
    from app.security.tokens import decode_token

    with app.app_context():
        claims = decode_token(tokens["access_token"])
    assert (claims.issuer, claims.audience) == (ISSUER, AUDIENCE)
    assert claims_of(tokens["refresh_token"])["aud"] == AUDIENCE


# --- the mfa_token: the same keys, its own audience -----------------------------------------


def test_the_mfa_token_is_signed_with_our_key_and_kept_apart(app, client, key, make_user):
    from tests.support.mfa import enrolled_user, first_step, forget_last_step, pin, second_step

    user = make_user()
    enrolled = enrolled_user(client, user)
    mfa_token = first_step(client, user.email)
    assert jwt.get_unverified_header(mfa_token) == {"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}
    assert claims_of(mfa_token)["aud"] == "wardrobe:mfa"
    assert claims_of(mfa_token)["iss"] == ISSUER
    assert_invalid(me(client, mfa_token))  # no access token

    access = enrolled.headers["Authorization"].removeprefix("Bearer ")
    assert_invalid(second_step(client, access, code="000000"))  # no mfa_token either

    forget_last_step(app, user.id)
    response = second_step(client, mfa_token, code=pin(enrolled.secret))
    assert response.status_code == 200, response.get_json()
    assert me(client, response.get_json()["access_token"]).status_code == 200


def test_an_mfa_token_with_a_foreign_issuer_is_refused(client, key, make_user):
    from tests.support.mfa import enrolled_user, first_step, second_step

    user = make_user()
    enrolled_user(client, user)
    claims = {**claims_of(first_step(client, user.email)), "iss": "https://evil.example"}
    assert_invalid(second_step(client, signed_with_ours(key, claims), code="000000"))
