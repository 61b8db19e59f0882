"""GET /.well-known/jwks.json: the public keys other services verify our tokens with.

With EdDSA, a resource server needs no secret of ours to trust a token: it fetches this
document (RFC 7517), picks the key whose `kid` the token's header names, and checks the
signature, `iss` and `aud` itself. Only public parts are published (`x`, never `d`). The
document is built once per process with the key ring (app/security/signing.py) and may be
cached for JWKS_MAX_AGE seconds, which is why a rotation publishes a new key that long
before signing with it (docs/deploy.md). With HS256 there is no public key: 404.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from app.errors import NotFound
from app.security.authorization import public
from app.security.signing import EDDSA, key_ring
from app.web.blueprint import Blueprint

blp = Blueprint("keys", __name__, description="Public keys for verifying our tokens.")

CACHE_CONTROL = {
    "description": "`public, max-age=<JWKS_MAX_AGE>`: how long verifiers may keep the keys.",
    "required": True,
    "schema": {"type": "string"},
}


class JwkSchema(Schema):
    """One public key (RFC 8037 OKP): enough to verify, nothing to sign with."""

    kty = fields.String(required=True, metadata={"example": "OKP"})
    crv = fields.String(required=True, metadata={"example": "Ed25519"})
    x = fields.String(
        required=True,
        metadata={
            "description": "The public key, base64url.",
            "example": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        },
    )
    kid = fields.String(
        required=True,
        metadata={
            "description": "The key's RFC 7638 thumbprint; tokens name it in their header.",
            "example": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
        },
    )
    alg = fields.String(required=True, metadata={"example": "EdDSA"})
    use = fields.String(required=True, metadata={"example": "sig"})


class JwksSchema(Schema):
    keys = fields.List(
        fields.Nested(JwkSchema),
        required=True,
        metadata={"description": "Every key that may have signed a live token; the first signs."},
    )


def jwks_json(document: dict[str, Any]) -> dict[str, Any]:
    """The document is already JSON (built once with the key ring): written as it is."""
    return document


@blp.route("/.well-known/jwks.json")
class Jwks(MethodView):
    @public
    @blp.doc(operationId="getJwks")
    @blp.response(200, JwksSchema, presenter=jwks_json, headers={"Cache-Control": CACHE_CONTROL})
    @blp.raises(NotFound)
    def get(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The public keys of our token signatures (JWKS); 404 when tokens use HS256."""
        ring = key_ring()
        if ring.algorithm != EDDSA:
            raise NotFound("Tokens are signed with a shared secret (HS256): no public keys.")
        max_age = current_app.config["JWKS_MAX_AGE"]
        return ring.jwks, {"Cache-Control": f"public, max-age={max_age}"}
