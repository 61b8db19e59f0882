"""A second service that trusts Wardrobe API tokens: stateless checks, and introspection.

A *resource server* is any service that accepts the access tokens Wardrobe API issues. This
one keeps notes, and it shows the two ways it can check a token, and what each costs:

- `GET /notes` checks the token with the published keys alone (JWKS, RFC 7517): PyJWT's
  `PyJWKClient` fetches `/.well-known/jwks.json` once and keeps the keys, so a request costs
  no call to the API. But a signature cannot say that the session ended: after a logout the
  token still passes here until its `exp` (at most JWT_ACCESS_TOKEN_EXPIRES, 15 minutes).
- `POST /notes` (a write) checks the signature the same way and ALSO asks the API,
  `POST /auth/introspect` (RFC 7662) with this service's client id and secret. The API
  answers from its own session state, so a logout, a deactivation or a role change refuses
  the token at once. That is one HTTP call per write; worth it where a revoked token must not
  act (docs/auth-flow.md, "Stateless JWT vs revocation").

It never imports the API's code: it knows only its URL, the issuer and audience its tokens
carry, and the client credentials the API's operator gave it (INTROSPECTION_CLIENTS there).

Run it (the API must sign with EdDSA: JWT_ALGORITHM=EdDSA, JWT_PRIVATE_KEY_FILES=...):

    WARDROBE_CLIENT_ID=notes WARDROBE_CLIENT_SECRET=... \\
        python examples/resource_server.py --api http://127.0.0.1:8000 --port 8001

Settings (environment, or the options of the same name): WARDROBE_URL (--api), WARDROBE_ISSUER
(--issuer, default: "wardrobe-api"), WARDROBE_AUDIENCE (--audience, default: "wardrobe-api"),
WARDROBE_CLIENT_ID and WARDROBE_CLIENT_SECRET (environment only: a secret on a command line is
visible to every user of the machine).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from flask import Flask, Response, jsonify, request

# The one algorithm accepted, whatever a token's header says (RFC 8725 section 3.1).
ALGORITHMS = ["EdDSA"]
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "type"]
KEYS_KEPT_SECONDS = 300  # how long fetched keys are trusted before the JWKS is read again
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Settings:
    api_url: str  # e.g. http://127.0.0.1:8000, no trailing slash
    client_id: str
    client_secret: str
    issuer: str = "wardrobe-api"
    audience: str = "wardrobe-api"


class Refused(Exception):
    """The request cannot go on: answered as a problem document with this status."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def bearer_token() -> str:
    """The token of `Authorization: Bearer <token>`. Raises Refused: none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Refused(401, "token_missing", "Send `Authorization: Bearer <access token>`.")
    return token


def verified_claims(token: str, jwks: jwt.PyJWKClient, settings: Settings) -> dict[str, Any]:
    """The token's claims if its signature, algorithm, issuer, audience and `exp` hold.

    Raises Refused: 401 for a token that fails any check; 503 when the keys cannot be fetched.
    """
    try:
        # The header's `kid` only picks among the keys fetched from our own API's URL.
        key = jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            issuer=settings.issuer,
            audience=settings.audience,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWKClientConnectionError:
        raise Refused(503, "service_unavailable", "The API's keys cannot be fetched.") from None
    except jwt.PyJWTError as error:
        raise Refused(401, "token_invalid", f"The token is refused: {error}.") from None
    # A refresh token is signed with the same key: only access tokens are for calls.
    if claims["type"] != "access":
        raise Refused(401, "token_invalid", "This needs an access token.")
    return claims


def introspected(token: str, settings: Settings) -> dict[str, Any]:
    """The API's RFC 7662 answer for `token`. Raises Refused: the API cannot be asked."""
    credentials = f"{settings.client_id}:{settings.client_secret}".encode()
    call = urllib.request.Request(  # noqa: S310 - the configured http(s) URL of the API
        settings.api_url + "/auth/introspect",
        data=urllib.parse.urlencode({"token": token}).encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(call, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return json.load(answer)
    except (urllib.error.URLError, OSError, ValueError):
        # Fail closed: if revocation cannot be checked, the write does not happen.
        raise Refused(503, "service_unavailable", "The API cannot be asked.") from None


def problem(error: Refused) -> tuple[Response, int, dict[str, str]]:
    """A refusal as an RFC 9457 problem document, as the API itself answers."""
    body = {"type": "about:blank", "title": error.code, "status": error.status}
    body |= {"code": error.code, "detail": error.detail}
    headers = {"Content-Type": "application/problem+json"}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return jsonify(body), error.status, headers


def create_resource_server(settings: Settings) -> Flask:
    """The notes service for the API at `settings.api_url` (notes are kept in memory)."""
    app = Flask(__name__)
    app.register_error_handler(Refused, problem)
    jwks = jwt.PyJWKClient(
        settings.api_url + "/.well-known/jwks.json",
        cache_keys=True,
        lifespan=KEYS_KEPT_SECONDS,
        timeout=TIMEOUT_SECONDS,
    )
    notes: list[dict[str, Any]] = []

    @app.get("/notes")
    def list_notes() -> dict[str, Any]:
        """Stateless: the signature alone. A logged-out token passes until it expires."""
        claims = verified_claims(bearer_token(), jwks, settings)
        mine = [note for note in notes if note["owner"] == claims["sub"]]
        return {"items": mine, "checked_by": "signature"}

    @app.post("/notes")
    def add_note() -> tuple[dict[str, Any], int]:
        """A write: the signature, then the API's word that the session still stands."""
        token = bearer_token()
        claims = verified_claims(token, jwks, settings)
        answer = introspected(token, settings)
        if not answer.get("active"):
            raise Refused(401, "token_revoked", "The API says this token is no longer active.")
        body = request.get_json(silent=True)
        text = str(body.get("text", "") if isinstance(body, dict) else "")[:500]
        note = {"id": len(notes) + 1, "owner": claims["sub"], "text": text}
        notes.append(note)
        # `role` as the API sees it now (a changed role makes the old token inactive).
        return {**note, "checked_by": "signature+introspection", "role": answer["role"]}, 201

    return app


def settings_from(argv: list[str] | None = None) -> tuple[Settings, int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default=os.environ.get("WARDROBE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--issuer", default=os.environ.get("WARDROBE_ISSUER", "wardrobe-api"))
    parser.add_argument("--audience", default=os.environ.get("WARDROBE_AUDIENCE", "wardrobe-api"))
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    client_id = os.environ.get("WARDROBE_CLIENT_ID", "")
    client_secret = os.environ.get("WARDROBE_CLIENT_SECRET", "")
    if not (client_id and client_secret):
        parser.error("set WARDROBE_CLIENT_ID and WARDROBE_CLIENT_SECRET (INTROSPECTION_CLIENTS)")
    settings = Settings(
        api_url=args.api.rstrip("/"),
        client_id=client_id,
        client_secret=client_secret,
        issuer=args.issuer,
        audience=args.audience,
    )
    return settings, args.port


if __name__ == "__main__":
    resource_settings, port = settings_from()
    create_resource_server(resource_settings).run(host="127.0.0.1", port=port)
