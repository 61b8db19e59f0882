"""examples/resource_server.py against the real API under gunicorn, signing with EdDSA.

The lesson of "stateless JWT vs revocation" (docs/auth-flow.md), as running code: after a
logout, the example's route that checks tokens with the published keys alone (JWKS) still
accepts the token, until it expires; its route that also asks POST /auth/introspect refuses
it at once. The example runs in-process (its Flask test client); the API is a separate
gunicorn with an Ed25519 key of this test's own, so the example's HTTP calls (the JWKS
document, introspection) are real.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient

from examples.resource_server import Settings, create_resource_server
from tests.support.clients import CLIENT_ID, CLIENT_PASSWORD, CLIENTS_SETTING
from tests.support.data import PASSWORD
from tests.support.http import bearer
from tests.support.live_server import LiveServer, run_live_server
from tests.support.signing import KeyFile, new_key
from tests.support.tokens import claims_of

pytestmark = pytest.mark.slow

ISSUER = "https://wardrobe.example.test"
AUDIENCE = "wardrobe-api"


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> KeyFile:
    """An Ed25519 key of this module's own, as `flask keys generate` writes it."""
    return new_key(tmp_path_factory.mktemp("keys"))


def private_key(key: KeyFile) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(key.private_pem(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    return loaded


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, signing_key) -> Iterator[LiveServer]:
    with run_live_server(
        tmp_path_factory.mktemp("eddsa-api"),
        JWT_ALGORITHM="EdDSA",
        JWT_PRIVATE_KEY_FILES=str(signing_key.path),
        JWT_ISSUER=ISSUER,
        JWT_AUDIENCE=AUDIENCE,
        INTROSPECTION_CLIENTS=CLIENTS_SETTING,
    ) as server:
        yield server


def settings_for(api: LiveServer, **changes: str) -> Settings:
    base = {
        "api_url": api.url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_PASSWORD,
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    return Settings(**(base | changes))


@pytest.fixture
def notes(api: LiveServer) -> FlaskClient:
    """The example resource server, pointed at the live API."""
    return create_resource_server(settings_for(api)).test_client()


@pytest.fixture
def tokens(api: LiveServer) -> dict:
    """A new user's token pair, from the live API."""
    email = f"reader-{uuid.uuid4().hex[:10]}@example.com"
    account = {"email": email, "password": PASSWORD}
    assert requests.post(f"{api.url}/auth/register", json=account, timeout=10).status_code == 201
    response = requests.post(f"{api.url}/auth/login", json=account, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_after_logout_only_the_introspected_route_refuses_the_token(api, notes, tokens):
    headers = bearer(tokens["access_token"])
    assert notes.get("/notes", headers=headers).get_json()["checked_by"] == "signature"
    written = notes.post("/notes", json={"text": "before"}, headers=headers)
    assert written.status_code == 201, written.get_json()
    assert written.get_json()["checked_by"] == "signature+introspection"

    logout = requests.post(f"{api.url}/auth/logout", headers=headers, timeout=10)
    assert logout.status_code == 204

    # The API itself refuses the token at once...
    assert requests.get(f"{api.url}/auth/me", headers=headers, timeout=10).status_code == 401
    # ... the signature alone cannot know: the JWKS-only route still accepts it until `exp`,
    still = notes.get("/notes", headers=headers)
    assert still.status_code == 200
    assert claims_of(tokens["access_token"])["exp"] > time.time()
    # ... and the route that asks introspection refuses it at once.
    refused = notes.post("/notes", json={"text": "after"}, headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "token_revoked"
    assert [note["text"] for note in still.get_json()["items"]] == ["before"]


def test_the_published_keys_verify_the_apis_tokens_and_nothing_else(api, notes, tokens):
    document = requests.get(f"{api.url}/.well-known/jwks.json", timeout=10).json()
    assert all("d" not in key for key in document["keys"])  # public parts only
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "EdDSA" and header["kid"] in {key["kid"] for key in document["keys"]}
    # A refresh token is signed with the same key, but is no access token.
    refresh = notes.get("/notes", headers=bearer(tokens["refresh_token"]))
    assert (refresh.status_code, refresh.get_json()["code"]) == (401, "token_invalid")
    assert notes.get("/notes").status_code == 401


@pytest.mark.parametrize(
    "change",
    [{"iss": "https://elsewhere.example"}, {"aud": "another-service"}],
    ids=["other-issuer", "other-audience"],
)
def test_a_token_for_another_issuer_or_audience_is_refused(api, notes, tokens, signing_key, change):
    """Signed with the API's own key (so only the claim is wrong)."""
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    assert kid == signing_key.kid
    key = private_key(signing_key)
    claims = claims_of(tokens["access_token"]) | change
    forged = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})
    assert notes.get("/notes", headers=bearer(forged)).status_code == 401
    # The same claims unchanged, signed the same way, pass: the forge itself is sound.
    sound = jwt.encode(claims_of(tokens["access_token"]), key, "EdDSA", {"kid": kid})
    assert notes.get("/notes", headers=bearer(sound)).status_code == 200


def hs256(claims: dict, secret: bytes, kid: str) -> str:
    """An HS256 token made by hand: PyJWT refuses to use a PEM key as an HMAC secret."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signed = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{part(claims)}"
    mac = hmac.new(secret, signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_an_unknown_key_or_another_algorithm_is_refused(api, notes, tokens, signing_key):
    claims = claims_of(tokens["access_token"])
    stranger = jwt.encode(claims, Ed25519PrivateKey.generate(), "EdDSA", {"kid": "not-ours"})
    assert notes.get("/notes", headers=bearer(stranger)).status_code == 401
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    # The classic confusion: the published public key used as an HMAC secret.
    hmac_forgery = hs256(claims, signing_key.public_pem(), kid)
    assert notes.get("/notes", headers=bearer(hmac_forgery)).status_code == 401


def test_with_wrong_client_credentials_the_write_fails_closed(api, tokens):
    wrong = create_resource_server(settings_for(api, client_secret="not-the-secret"))
    response = wrong.test_client().post("/notes", json={}, headers=bearer(tokens["access_token"]))
    assert response.status_code == 503
