"""AUTHENTICATION: who is calling? From the Authorization header (or, without one, the
session cookie: cookies.py) to a Principal, or a 401.

Every protected request goes through `authenticate` exactly once (the policy decorators in
authorization.py call it). It reads the header, verifies the token once (tokens.py), then
loads the state of the token's session and user in one round trip (from Redis when it is
configured, else from the database: session_state.load_session_state) and checks, in order
(the session part is `check_session`, which token introspection shares):

    no header / not Bearer / bad token        -> token_missing / token_invalid / token_expired
    refresh token where access is wanted       -> wrong_token_type (and the reverse)
    by cookie, unsafe method, no CSRF match    -> csrf_failed (403)
    session or user gone                       -> token_invalid
    session ended, or user deactivated         -> token_revoked
    session past its absolute lifetime         -> token_expired
    access token whose role is not the user's  -> token_stale

It only reads. A refresh token that was rotated out passes here while its session is live:
the rotation that follows (sessions.rotate_refresh_token) is the one place that recognises
reuse, ends the session and answers refresh_reused.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from app.database import utcnow
from app.errors import (
    ApiError,
    CsrfFailed,
    ServiceUnavailable,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
    TokenRevoked,
    TokenStale,
    WrongTokenType,
)
from app.extensions import db
from app.identity.models import User
from app.security import cookies, session_state
from app.security.tokens import ACCESS, REFRESH, Claims, TokenType, decode_token

# What `authenticate` raises, by the token type it expects (the OpenAPI document lists their
# codes on every route that takes a token). A database that does not answer is a 503.
RAISES: dict[TokenType, tuple[type[ApiError], ...]] = {
    ACCESS: (TokenMissing, TokenInvalid, TokenExpired, TokenRevoked, TokenStale, WrongTokenType),
    REFRESH: (TokenMissing, TokenInvalid, TokenExpired, TokenRevoked, WrongTokenType),
}
RAISES_WHEN_DOWN = (ServiceUnavailable,)
# What a request authenticated by cookie can also get on an unsafe method (POST, PUT, ...).
RAISES_WHEN_UNSAFE = (CsrfFailed,)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, as far as checking the token established it.

    Only ids and the role: enough to authorize. A view that needs the whole user row asks
    for it with `load_user()`, the one query of its own it then makes.
    """

    user_id: int
    session_id: int
    role: str
    claims: Claims
    transport: str = cookies.HEADER_TRANSPORT  # or COOKIE_TRANSPORT: where the token came from

    def load_user(self) -> User:
        return db.session.get_one(User, self.user_id)


def bearer_token() -> str:
    """The token from `Authorization: Bearer <token>`; never from the query string or body.

    Raises TokenMissing: no Authorization header.
    Raises TokenInvalid: another scheme, or `Bearer` with nothing after it.
    """
    header = request.headers.get("Authorization")
    if header is None:
        raise TokenMissing("Send your access token as `Authorization: Bearer <token>`.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise TokenInvalid("Use the Bearer scheme: `Authorization: Bearer <token>`.")
    return token


def authenticate(expected_type: TokenType = ACCESS) -> Principal:
    """Establish the caller from a token of `expected_type`, and remember it in `g`.

    Raises one of the Unauthenticated errors listed in the module docstring, or CsrfFailed.
    """
    transport = cookies.HEADER_TRANSPORT
    # A request with an Authorization header is judged by it alone: cookies are not read.
    raw = None if "Authorization" in request.headers else cookies.token_cookie(expected_type)
    if raw is None:
        raw = bearer_token()
    else:
        transport = cookies.COOKIE_TRANSPORT
    claims = decode_token(raw)
    if claims.type != expected_type:
        wanted = "an access" if expected_type == ACCESS else "a refresh"
        raise WrongTokenType(f"This endpoint needs {wanted} token.")
    if transport == cookies.COOKIE_TRANSPORT:
        cookies.check_csrf(claims.session_id)

    state = check_session(claims)
    principal = Principal(
        user_id=state.user_id,
        session_id=state.session_id,
        role=state.role,
        claims=claims,
        transport=transport,
    )
    g.principal = principal
    return principal


def check_session(claims: Claims) -> session_state.SessionState:
    """The state of the verified token's session and user, if they still let it through.

    The one place that decides whether a signed token still stands: `authenticate` and
    token introspection (app/auth/introspection.py) both ask it, so they cannot disagree.
    A refresh token is checked against the database itself (`fresh`), not the cache.
    Raises TokenInvalid (user or session gone), TokenRevoked, TokenExpired (the session's
    absolute end) or TokenStale (an access token whose role is no longer the user's).
    Raises ServiceUnavailable: the state cannot be read (fail closed).
    """
    state = session_state.load_session_state(
        claims.session_id, claims.user_id, fresh=claims.type == REFRESH
    )
    if state is None or state.user_id != claims.user_id:
        raise TokenInvalid("The token's user or session does not exist.")
    if state.revoked or not state.is_active:
        raise TokenRevoked("This session has ended; log in again.")
    if utcnow() >= state.expires_at:
        raise TokenExpired("This session reached its maximum lifetime; log in again.")
    if claims.type == ACCESS and claims.role != state.role:
        raise TokenStale("Your role has changed; refresh your token.")
    return state


def current_principal() -> Principal:
    """The caller established by `authenticate` for this request."""
    principal: Principal = g.principal
    return principal
