"""SERVICE CLIENTS: which resource server is calling? HTTP Basic credentials, or a 401.

Other services (resource servers) ask POST /auth/introspect whether a token is live. They
are not users and hold no token: they authenticate with a client id and secret from
INTROSPECTION_CLIENTS, sent as `Authorization: Basic base64(id:secret)` (RFC 7617, as RFC
7662 section 2.1 suggests). The settings keep only the SHA-256 of each secret
(config.parse_clients); a presented secret is hashed and compared in constant time, and an
unknown id is compared against a dummy digest, so the time taken does not say which ids
exist. Secrets are 32+ random bytes in production, so guessing one is hopeless and these
calls are not rate limited (docs/decisions.md, entry 19).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app, request

from app.errors import InvalidClient

# Compared against when the id is unknown: no secret hashes to it (it is not a SHA-256 output
# anyone knows a preimage of), and the comparison costs what a real one costs.
_NO_CLIENT = hashlib.sha256(b"no such introspection client").digest()
_ASK = "Send the client id and secret as `Authorization: Basic base64(id:secret)`."


def authenticate_client() -> str:
    """The id of the service client named by the request's Basic credentials.

    Raises InvalidClient: no Authorization header, another scheme, a malformed value, an
    unknown id or a wrong secret (one answer for all, so nothing is learnt from it).
    """
    client_id, secret = _basic_credentials()
    clients: dict[str, bytes] = current_app.config["INTROSPECTION_CLIENTS"]
    expected = clients.get(client_id, _NO_CLIENT)
    presented = hashlib.sha256(secret.encode()).digest()
    if not hmac.compare_digest(expected, presented) or client_id not in clients:
        raise InvalidClient("The client id or secret is wrong. " + _ASK)
    return client_id


def _basic_credentials() -> tuple[str, str]:
    """(id, secret) from `Authorization: Basic ...`. Raises InvalidClient: none, or malformed."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise InvalidClient(_ASK)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, or non-ASCII characters
        raise InvalidClient("The Basic credentials are not valid base64 of UTF-8.") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClient(_ASK)
    return client_id, secret
