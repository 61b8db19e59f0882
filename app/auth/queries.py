"""/auth's reads: the caller's own user for GET /auth/me (plain columns through Core), and
the claims of the caller's token for GET /auth/token-info (no query at all)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from app.database import read
from app.identity.presenters import USER_BY_ID
from app.security.authentication import Principal


def my_profile(principal: Principal) -> Row[Any]:
    """The caller's user (public fields only): the one query GET /auth/me makes itself.

    Authentication has just seen the user, so the row exists.
    """
    return read(USER_BY_ID, {"user_id": principal.user_id}).one()


def token_info(principal: Principal) -> dict[str, Any]:
    """The verified claims of the caller's access token, under their JWT names."""
    claims = principal.claims
    return {
        "sub": str(claims.user_id),
        "sid": claims.session_id,
        "role": claims.role,
        "type": claims.type,
        "jti": claims.jti,
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "amr": list(claims.amr),
        "transport": principal.transport,
    }
