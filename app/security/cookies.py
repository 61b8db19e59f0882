"""COOKIE TRANSPORT: the same tokens, carried by HttpOnly cookies, with a CSRF check.

A login with `"transport": "cookie"` gets three cookies, all `SameSite=Strict` (and `Secure`
in production):

    wardrobe_access   the access token    HttpOnly   Path=/
    wardrobe_refresh  the refresh token   HttpOnly   Path=/auth/refresh (sent nowhere else)
    wardrobe_csrf     the CSRF token      readable   Path=/

A browser sends cookies on its own, also with a request another site made it send, so a
request authenticated by cookie that changes state (POST, PUT, PATCH, DELETE) must repeat
the CSRF token in the X-CSRF-Token header (double submit): another site cannot read our
cookie to copy it. The token is an HMAC of the session id under the signing key, so it is
bound to the session: a value an attacker sets in both places is not enough.

authentication.py reads the cookie only when the request has no Authorization header: a
request with one is judged by the header alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

from flask import Response, after_this_request, current_app, request

from app.errors import CsrfFailed
from app.security.tokens import ACCESS, TokenPair, TokenType

ACCESS_COOKIE: Final = "wardrobe_access"
REFRESH_COOKIE: Final = "wardrobe_refresh"
CSRF_COOKIE: Final = "wardrobe_csrf"
CSRF_HEADER: Final = "X-CSRF-Token"
REFRESH_PATH: Final = "/auth/refresh"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_TRANSPORT: Final = "cookie"
HEADER_TRANSPORT: Final = "header"
# The cookie each token type travels in, and the path it is scoped to.
_COOKIES: Final = {ACCESS: (ACCESS_COOKIE, "/"), "refresh": (REFRESH_COOKIE, REFRESH_PATH)}
_ALL_COOKIES: Final = ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH), (CSRF_COOKIE, "/"))


def token_cookie(expected_type: TokenType) -> str | None:
    """The token of `expected_type` from its cookie, or None when the request sends none."""
    return request.cookies.get(_COOKIES[expected_type][0]) or None


def csrf_token_for(session_id: int) -> str:
    """The CSRF token of a session: an HMAC of its id under the current signing key."""
    return _csrf_token(current_app.config["JWT_SECRET_KEY"], session_id)


def check_csrf(session_id: int) -> None:
    """An unsafe request authenticated by cookie must send the session's CSRF token.

    Compared in constant time, against the token under the current key and under each
    previous key still accepted for signatures (a key rotation does not end cookie sessions).
    Raises CsrfFailed: the X-CSRF-Token header is missing or is not the session's token.
    """
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    config = current_app.config
    keys = (config["JWT_SECRET_KEY"], *config["JWT_PREVIOUS_SECRET_KEYS"])
    matches = False
    for key in keys:
        matches |= hmac.compare_digest(sent.encode(), _csrf_token(key, session_id).encode())
    if not matches:
        raise CsrfFailed(
            f"A request signed in by cookie that changes anything must send the {CSRF_HEADER}"
            f" header with the value of the {CSRF_COOKIE} cookie."
        )


def answer(pair: TokenPair, transport: str) -> TokenPair | dict[str, object]:
    """A login's or refresh's answer: the pair itself, or (cookie transport) `deliver(pair)`."""
    return deliver(pair) if transport == COOKIE_TRANSPORT else pair


def deliver(pair: TokenPair) -> dict[str, object]:
    """The body of a cookie-transport answer; the tokens go into cookies on the response."""
    csrf = csrf_token_for(pair.session_id)

    @after_this_request
    def set_cookies(response: Response) -> Response:
        set_session_cookies(response, pair, csrf)
        return response

    return {"token_type": COOKIE_TRANSPORT, "expires_in": pair.expires_in, "csrf_token": csrf}


def set_session_cookies(response: Response, pair: TokenPair, csrf: str) -> None:
    secure = current_app.config["AUTH_COOKIE_SECURE"]
    common = {"secure": secure, "samesite": "Strict"}
    response.set_cookie(ACCESS_COOKIE, pair.access_token, path="/", httponly=True, **common)
    response.set_cookie(
        REFRESH_COOKIE, pair.refresh_token, path=REFRESH_PATH, httponly=True, **common
    )
    response.set_cookie(CSRF_COOKIE, csrf, path="/", httponly=False, **common)


def clear_after_request() -> None:
    """Expire the three cookies on this request's response, each with the path it was set on.

    Only when the request carried one of them: an API client's logout gets no Set-Cookie.
    """
    if not (ACCESS_COOKIE in request.cookies or CSRF_COOKIE in request.cookies):
        return

    @after_this_request
    def clear(response: Response) -> Response:
        secure = current_app.config["AUTH_COOKIE_SECURE"]
        for name, path in _ALL_COOKIES:
            response.delete_cookie(
                name, path=path, secure=secure, httponly=name != CSRF_COOKIE, samesite="Strict"
            )
        return response


def _csrf_token(key: str, session_id: int) -> str:
    digest = hmac.new(key.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
