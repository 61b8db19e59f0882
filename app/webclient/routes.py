"""/app/: the web client's static files, under a strict Content-Security-Policy.

A plain Flask blueprint, like /docs: these are pages, not operations of the API. The client
is one page (index.html) that loads JavaScript modules from /app/; the links the server
mails (/reset-password#token=..., /verify-email#token=...) open the same page, whose router
reads the path. Nothing comes from another origin and nothing is inline, so the CSP allows
scripts and styles from this origin only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import flask
from flask import current_app
from werkzeug.security import safe_join
from werkzeug.wrappers import Response as WerkzeugResponse

from app.errors import NotFound
from app.security.authorization import public

STATIC = Path(__file__).with_name("static")
# The token page links to the project's own explanation of the token flow.
AUTH_FLOW = Path(__file__).parents[2] / "docs" / "auth-flow.md"
APP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; "
    "frame-ancestors 'none'"
)
MIMETYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}

blp = flask.Blueprint("webclient", __name__)


@blp.get("/app/")
@blp.get("/reset-password")
@blp.get("/verify-email")
@public
def index() -> flask.Response:
    """The client's one page; its router picks what to show from the path and fragment."""
    return _file("index.html")


@blp.get("/app")
@public
def index_without_slash() -> WerkzeugResponse:
    return flask.redirect("/app/", code=308)


@blp.get("/app/auth-flow.md")
@public
def auth_flow() -> flask.Response:
    """docs/auth-flow.md as plain text (linked from the "inside the token" page)."""
    if not AUTH_FLOW.is_file():
        raise NotFound("This installation has no docs folder.")
    response = current_app.response_class(AUTH_FLOW.read_bytes(), mimetype="text/plain")
    response.headers["Content-Security-Policy"] = APP_CSP
    return response


@blp.get("/app/<path:filename>")
@public
def asset(filename: str) -> flask.Response:
    """A module, the stylesheet or an image of the client (404 for anything else)."""
    return _file(filename)


def _file(filename: str) -> flask.Response:
    # `make run` (debug) reads the file every time, so an edit shows on reload.
    read = _read.__wrapped__ if current_app.debug else _read
    content, mimetype = read(filename)
    response = current_app.response_class(content, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = APP_CSP
    response.cache_control.no_cache = True  # revalidate: a new deploy shows at once
    return response


@cache
def _read(filename: str) -> tuple[bytes, str]:
    """A file of static/ and its type, read once per process.

    Raises NotFound: not a file of static/ (`..` included) or not a type the client uses.
    """
    path = safe_join(str(STATIC), filename)
    suffix = Path(filename).suffix
    if path is None or suffix not in MIMETYPES or not Path(path).is_file():
        raise NotFound("The web client has no such file.")
    return Path(path).read_bytes(), MIMETYPES[suffix]
