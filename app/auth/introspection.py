"""Token introspection (RFC 7662): may a resource server still honour this access token?

A resource server that checks our tokens' signatures itself (with the published keys) cannot
see a logout, a deactivation or a role change until the token expires. For the calls where
that matters it asks POST /auth/introspect, which answers from the same check every request
here passes: the signature and claims (tokens.decode_token), then the session and the user
(authentication.check_session). So the answer reflects a revocation at once, and costs what
authenticating a request costs: one session-state read.

Anything but a live access token is `{"active": false}` and nothing more (RFC 7662 section
2.2): a forged, expired or revoked token, a stale role, a refresh token, an mfa_token. Why it
is inactive is not said: the caller only needs to refuse it, and a token's holder may be the
one asking. A database or Redis that cannot answer is a 503, never an answer (fail closed).
"""

from __future__ import annotations

from typing import Any

from app.errors import Unauthenticated
from app.security.authentication import check_session
from app.security.tokens import ACCESS, decode_token

INACTIVE: dict[str, Any] = {"active": False}


def introspect(token: str) -> dict[str, Any]:
    """RFC 7662's answer for `token`: its claims if it is a live access token, else inactive.

    Raises ServiceUnavailable: the session state cannot be read.
    """
    try:
        claims = decode_token(token)
        if claims.type != ACCESS:
            return INACTIVE
        check_session(claims)
    except Unauthenticated:
        return INACTIVE
    return {
        "active": True,
        "sub": str(claims.user_id),
        "role": claims.role,
        "sid": claims.session_id,
        "amr": list(claims.amr),
        "exp": claims.expires_at,
        "iat": claims.issued_at,
        "iss": claims.issuer,  # verified: JWT_ISSUER
        "aud": claims.audience,  # verified: JWT_AUDIENCE
        "token_type": ACCESS,
    }
