"""GET /.well-known/jwks.json: the public keys, and only those; 404 with HS256.

The strongest check is from outside: a real gunicorn signs with EdDSA, and PyJWT's
PyJWKClient, knowing nothing but the JWKS URL, verifies its tokens (as a resource server
would). Thumbprints are checked against RFC 8037's own example.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.keys.routes import JwksSchema
from signing_keys import thumbprint
from tests.support.data import PASSWORD
from tests.support.http import assert_problem
from tests.support.live_server import LiveServer, run_live_server
from tests.support.signing import KeyFile, eddsa_settings, new_key

JWKS = "/.well-known/jwks.json"
JWK_MEMBERS = {"kty", "crv", "x", "kid", "alg", "use"}


@pytest.fixture
def keys(tmp_path) -> list[KeyFile]:
    return [new_key(tmp_path / "keys"), new_key(tmp_path / "keys")]


def test_thumbprint_matches_rfc_8037_appendix_a3():
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "="))
    assert thumbprint(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_hs256_has_no_public_keys_so_404(client):
    response = client.get(JWKS)
    assert_problem(response, 404, "not_found")
    assert "max-age" not in response.headers.get("Cache-Control", "")


class TestWithEdDSA:
    @pytest.fixture
    def app_overrides(self, keys) -> dict:
        return eddsa_settings(*keys)

    def test_every_configured_key_is_published_in_order(self, client, keys):
        response = client.get(JWKS)
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        published = response.get_json()["keys"]
        assert [jwk["kid"] for jwk in published] == [key.kid for key in keys]
        for jwk in published:
            assert set(jwk) == JWK_MEMBERS
            assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == (
                "OKP",
                "Ed25519",
                "EdDSA",
                "sig",
            )

    def test_no_private_part_ever_appears(self, client, keys):
        body = client.get(JWKS).get_data(as_text=True)
        assert '"d"' not in body
        for key in keys:
            assert b"PRIVATE" in key.private_pem()
            private = serialization.load_pem_private_key(key.private_pem(), password=None)
            assert jwt.algorithms.OKPAlgorithm.to_jwk(private, as_dict=True)["d"] not in body

    def test_each_kid_is_the_rfc_7638_thumbprint_of_its_x(self, client):
        for jwk in client.get(JWKS).get_json()["keys"]:
            canonical = json.dumps(
                {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":")
            )
            digest = hashlib.sha256(canonical.encode()).digest()
            assert jwk["kid"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def test_anyone_may_cache_it_for_max_age(self, client):
        response = client.get(JWKS)
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Set-Cookie" not in response.headers

    def test_the_presenter_writes_what_the_schema_documents(self, client):
        document = client.get(JWKS).get_json()
        assert JwksSchema().dump(document) == document
        assert JwksSchema().validate(document) == {}

    def test_the_document_is_built_once(self, app, client):
        from app.security.signing import key_ring

        with app.app_context():
            assert key_ring().jwks is key_ring().jwks
        assert client.get(JWKS).get_json() == client.get(JWKS).get_json()


@pytest.mark.parametrize("max_age", [0, 3600])
def test_max_age_follows_the_setting(max_age, tmp_path, backend_settings):
    from app import create_app
    from tests.support.settings import TEST_SECRETS

    settings = {**backend_settings, **TEST_SECRETS, "JWKS_MAX_AGE": max_age}
    app = create_app("testing", settings | eddsa_settings(new_key(tmp_path)))
    response = app.test_client().get(JWKS)
    assert response.headers["Cache-Control"] == f"public, max-age={max_age}"


def test_the_operation_is_in_the_openapi_document(client):
    operation = client.get("/openapi.json").get_json()["paths"][JWKS]["get"]
    assert operation["operationId"] == "getJwks"
    assert operation["security"] == []
    ok = operation["responses"]["200"]
    assert "Cache-Control" in ok["headers"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/Jwks")
    assert "not_found" in json.dumps(operation["x-problem-codes"])


# --- from outside: a resource server with nothing but the JWKS URL ---------------------------


@pytest.fixture(scope="module")
def eddsa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, list]]:
    folder = tmp_path_factory.mktemp("eddsa")
    keys = [new_key(folder / "keys"), new_key(folder / "keys")]
    with run_live_server(
        folder,
        JWT_ALGORITHM="EdDSA",
        JWT_PRIVATE_KEY_FILES=",".join(str(key.path) for key in keys),
        JWT_ISSUER="https://wardrobe.example",
        JWT_AUDIENCE="wardrobe-clients",
    ) as server:
        yield server, keys


def registered_access_token(base: str, email: str) -> str:
    """Register `email` on the live server at `base` and log in: its access token."""
    body = {"email": email, "password": PASSWORD}
    requests.post(f"{base}/auth/register", json=body, timeout=10)
    login = requests.post(f"{base}/auth/login", json=body, timeout=10)
    assert login.status_code == 200, login.text
    return login.json()["access_token"]


@pytest.mark.slow
def test_a_resource_server_verifies_our_tokens_with_the_jwks_alone(eddsa_server):
    server, keys = eddsa_server
    access = registered_access_token(server.url, "resource@example.com")

    client = jwt.PyJWKClient(f"{server.url}{JWKS}", cache_keys=True)
    signing_key = client.get_signing_key_from_jwt(access)
    assert signing_key.key_id == keys[0].kid
    claims = jwt.decode(
        access,
        signing_key.key,
        algorithms=["EdDSA"],
        audience="wardrobe-clients",
        issuer="https://wardrobe.example",
    )
    assert claims["type"] == "access" and claims["sub"].isdigit()
    # Every worker publishes the same document.
    documents = {requests.get(f"{server.url}{JWKS}", timeout=10).text for _ in range(6)}
    assert len(documents) == 1
    assert [jwk.key_id for jwk in client.get_signing_keys()] == [key.kid for key in keys]


@pytest.mark.slow
def test_a_tampered_token_fails_the_outside_check_too(eddsa_server):
    server, _keys = eddsa_server
    access = registered_access_token(server.url, "tamper@example.com")
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    key = jwt.PyJWKClient(f"{server.url}{JWKS}").get_signing_key_from_jwt(forged)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key.key, algorithms=["EdDSA"], audience="wardrobe-clients")
    me = requests.get(
        f"{server.url}/auth/me", headers={"Authorization": f"Bearer {forged}"}, timeout=10
    )
    assert me.status_code == 401 and me.json()["code"] == "token_invalid"
