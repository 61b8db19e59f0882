"""Response headers: security headers suitable for a JSON API, and CORS for CORS_ORIGINS only.

The API answers JSON to programs, so the browser is told to render nothing, frame nothing and
sniff nothing (OWASP REST Security cheat sheet). /docs sets its own Content-Security-Policy,
which these defaults do not overwrite. HSTS is sent only on requests that arrived over HTTPS
(directly, or as X-Forwarded-Proto from a trusted proxy).

CORS is off unless CORS_ORIGINS lists origins: then only those origins may read responses,
with no credentials (tokens travel in the Authorization header, never in cookies). Every
response then says `Vary: Origin`, also to a request from another origin or from none:
the answer depends on the Origin header, so no cache may hand one origin's answer to another.

Everything under /auth, /users and /outfits is about an account: tokens, the caller's user
and sessions, other users, a user's (possibly private) outfits. No browser or proxy may
keep a copy (`Cache-Control: no-store`).
Deciding it here by blueprint, not in each view, means a new route there cannot forget it.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
# Blueprints whose every response may carry a token or personal data.
PERSONAL_BLUEPRINTS = frozenset({"auth", "accounts", "mfa", "users", "outfits"})
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "X-Request-ID",
]
CORS_EXPOSED_HEADERS = [
    "ETag",
    "Location",
    "Retry-After",
    "WWW-Authenticate",
    "X-Request-ID",
]


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    origins = app.config["CORS_ORIGINS"]
    if origins:
        CORS(
            app,
            origins=origins,
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            supports_credentials=False,
            max_age=600,
            vary_header=False,  # add_vary_origin says it on every response instead
        )
        app.after_request(add_vary_origin)


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.blueprint in PERSONAL_BLUEPRINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def add_vary_origin(response: Response) -> Response:
    response.vary.add("Origin")
    return response
