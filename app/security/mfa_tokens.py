"""The `mfa_token` a right password earns: a JWT naming one login attempt, and its checks.

It is of its own `type` ("mfa") and audience, signed and verified by the same key ring as
every other token (signing.py): tokens.py refuses it as an access or refresh
token (an unknown type, an audience it does not expect), and it carries no session or role.
Its `exp` (LIFETIME_SECONDS) is its life; its `jti` names the attempt, whose state lives in
the database (mfa_challenges.py).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import jwt
from flask import current_app

from app.errors import TokenInvalid
from app.security import signing
from app.security.tokens import MAX_ID

MFA_TOKEN_TYPE = "mfa"  # noqa: S105 - a token type, not a secret
AUDIENCE = "wardrobe:mfa"  # config.py refuses it as JWT_AUDIENCE
LIFETIME_SECONDS = 300
MAX_TOKEN_LENGTH = 4096
REQUIRED_CLAIMS = ["exp", "iat", "jti", "type", "sub", "aud"]
DEAD = "This mfa_token is no longer valid; log in again."


@dataclass(frozen=True, slots=True)
class Challenge:
    """A login attempt waiting for its second step, as its verified mfa_token names it."""

    jti: str
    user_id: int
    expires_at: dt.datetime


def sign(user_id: int, jti: str) -> str:
    """A new mfa_token for `user_id`, naming the attempt `jti`."""
    ring = signing.key_ring()
    now = int(time.time())
    claims = {
        "iss": ring.issuer,
        "sub": str(user_id),
        "jti": jti,
        "type": MFA_TOKEN_TYPE,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
    }
    return signing.sign(claims, ring)


def verified(raw: str) -> Challenge:
    """What a valid mfa_token says. Raises TokenInvalid."""
    if len(raw) > MAX_TOKEN_LENGTH:
        raise TokenInvalid(DEAD)
    try:
        payload = signing.verify(
            raw,
            signing.key_ring(),
            audience=AUDIENCE,
            required=REQUIRED_CLAIMS,
            leeway=current_app.config["JWT_LEEWAY"],
        )
    except jwt.InvalidTokenError:
        raise TokenInvalid(DEAD) from None
    return _challenge_from(payload)


def _challenge_from(payload: dict[str, Any]) -> Challenge:
    sub, jti, exp = payload["sub"], payload["jti"], payload["exp"]
    if (
        payload["type"] != MFA_TOKEN_TYPE
        or not (isinstance(sub, str) and sub.isascii() and sub.isdigit() and len(sub) <= 10)
        or not 1 <= int(sub) <= MAX_ID
        or not (isinstance(jti, str) and 0 < len(jti) <= 36)
        or type(exp) is not int
    ):
        raise TokenInvalid(DEAD)
    expires_at = dt.datetime.fromtimestamp(exp, dt.UTC)
    return Challenge(jti=jti, user_id=int(sub), expires_at=expires_at)
