"""JSON Web Tokens: access and refresh tokens, made and read with every check we need.

flask-jwt-extended's defaults accept a token without `exp`, a string `exp`, a missing `type`
or `jti` (docs/security.md). `decode_token` requires every claim we issue, with its type, and
signing.py picks the algorithm and key itself: nothing in the token's header is trusted
beyond naming one of our own keys.

A client sends the same access token with every request for its lifetime, so the outcome of
verifying it (signature, algorithm, claims) is remembered per process, keyed by the token's
exact text and the key ring it was checked with. Only `exp` can change its mind later, so it
is checked again on every request. Whether the session still stands is never remembered: it
is checked on every request by authentication.py.
"""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal

import jwt
from flask import current_app

from app.errors import TokenExpired, TokenInvalid
from app.identity.models import ROLES, AuthSession, User
from app.security.signing import KeyRing, key_ring, sign, verify

TokenType = Literal["access", "refresh"]
ACCESS: Final = "access"
REFRESH: Final = "refresh"
REQUIRED_CLAIMS = ["exp", "iat", "jti", "type", "sub", "role", "sid"]
# A real token is a few hundred bytes; anything far longer is not ours (and not worth HMACing).
MAX_TOKEN_LENGTH = 4096
# How many verified tokens each process remembers (a few hundred bytes each).
VERIFIED_TOKENS_REMEMBERED = 1024
# Ids are 32-bit in PostgreSQL; a larger `sid` would overflow the lookup (a 500), not miss.
MAX_ID = 2**31 - 1
# RFC 8176 authentication methods a session can record: a password, and a one-time pin.
AMR_VALUES = frozenset({"pwd", "otp"})


@dataclass(frozen=True, slots=True)
class Claims:
    """The verified contents of a token."""

    user_id: int
    session_id: int
    role: str
    type: TokenType
    jti: str
    issued_at: int
    expires_at: int
    # How the session was authenticated (RFC 8176): ("pwd",) or ("pwd", "otp").
    amr: tuple[str, ...] = ("pwd",)
    # Who issued the token and for whom (verified to be JWT_ISSUER and JWT_AUDIENCE).
    issuer: str = ""
    audience: str = ""


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    session_id: int = 0  # the session the pair belongs to (its CSRF token is bound to it)


def new_jti() -> str:
    return str(uuid.uuid4())


def issue_token_pair(user: User, session: AuthSession) -> TokenPair:
    """Sign an access and a refresh token for `session`, claims taken from the user row.

    The refresh token's `jti` is the session's current `refresh_jti`. `iat` and `exp` are
    set here from one clock reading, and no `exp` lies past the session's absolute end, so
    rotation can never extend a session.
    """
    config = current_app.config
    ring = key_ring()
    now = int(time.time())
    session_end = int(session.expires_at.timestamp())
    access_exp = min(now + config["JWT_ACCESS_TOKEN_EXPIRES"], session_end)
    refresh_exp = min(now + config["JWT_REFRESH_TOKEN_EXPIRES"], session_end)
    claims = {
        "iss": ring.issuer,
        "aud": ring.audience,
        "sub": str(user.id),
        "role": user.role,
        "sid": session.id,
        "amr": session.amr.split(),
        "iat": now,
        "nbf": now,
    }
    access = sign({**claims, "type": ACCESS, "jti": new_jti(), "exp": access_exp}, ring)
    refresh = sign(
        {**claims, "type": REFRESH, "jti": session.refresh_jti, "exp": refresh_exp}, ring
    )
    return TokenPair(access, refresh, expires_in=access_exp - now, session_id=session.id)


def decode_token(raw: str) -> Claims:
    """Verify signature, algorithm and claims of `raw`; return what it says.

    Raises TokenExpired: the signature is ours but `exp` has passed.
    Raises TokenInvalid: anything else is wrong (signature, algorithm, a missing or
    mistyped claim, an unknown `crit` header, garbage).
    """
    if len(raw) > MAX_TOKEN_LENGTH:
        raise TokenInvalid("The token is not one this server issued.")
    config = current_app.config
    claims = _verified_claims(raw, ring=key_ring(), leeway=config["JWT_LEEWAY"])
    # PyJWT checked `exp` when the token was first seen; it may have passed since.
    if claims.expires_at <= time.time() - config["JWT_LEEWAY"]:
        raise TokenExpired("The token has expired; refresh it or log in again.")
    return claims


# Fast path [verified-token-cache]: see docs/performance.md.
# A client repeats one access token for its whole lifetime, so its signature and claims are
# verified once per process instead of on every request.
@functools.lru_cache(maxsize=VERIFIED_TOKENS_REMEMBERED)
def _verified_claims(raw: str, *, ring: KeyRing, leeway: int) -> Claims:
    """The claims of a token that passes every check; remembered, since only `exp` can change.

    A token that fails raises and is not remembered. `nbf` and `iat` only become truer as
    time passes, and a change of keys, issuer, audience or leeway is a different cache entry.
    """
    try:
        payload = verify(raw, ring, audience=ring.audience, required=REQUIRED_CLAIMS, leeway=leeway)
    except jwt.ExpiredSignatureError:
        raise TokenExpired("The token has expired; refresh it or log in again.") from None
    except jwt.InvalidTokenError:
        raise TokenInvalid("The token is not one this server issued.") from None
    try:
        return _claims_from(payload)
    except (KeyError, TypeError, ValueError):
        raise TokenInvalid("The token's claims are missing or malformed.") from None


def _claims_from(payload: dict[str, Any]) -> Claims:
    exp, iat, sid = payload["exp"], payload["iat"], payload["sid"]
    # PyJWT does int(exp), so "exp": "9999999999" would pass its own check: insist on ints.
    for number in (exp, iat, sid):
        if type(number) is not int:
            raise TypeError("numeric claim is not an integer")
    sub, jti, role, token_type = payload["sub"], payload["jti"], payload["role"], payload["type"]
    if not (isinstance(sub, str) and sub.isascii() and sub.isdigit()):
        raise ValueError("sub is not a user id")
    if (
        not (isinstance(jti, str) and jti)
        or role not in ROLES
        or token_type not in (ACCESS, REFRESH)
    ):
        raise ValueError("jti, role or type is malformed")
    if not 1 <= sid <= MAX_ID:
        raise ValueError("sid is not a session id")
    return Claims(
        user_id=int(sub),
        session_id=sid,
        role=role,
        type=token_type,
        jti=jti,
        issued_at=iat,
        expires_at=exp,
        amr=_amr_from(payload),
        issuer=payload["iss"],
        audience=payload["aud"],
    )


def _amr_from(payload: dict[str, Any]) -> tuple[str, ...]:
    """The token's `amr`; a token issued before sessions recorded it counts as a password."""
    amr = payload.get("amr", ["pwd"])
    if not (isinstance(amr, list) and amr and all(value in AMR_VALUES for value in amr)):
        raise ValueError("amr is malformed")
    return tuple(amr)
