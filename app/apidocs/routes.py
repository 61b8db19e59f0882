"""/openapi.json, /docs (Swagger UI) and the UI's own scripts and styles.

A plain Flask blueprint: the document and its UI are not operations of the API, so they
stay out of the document they serve.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import flask
from flask import current_app, jsonify, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from app.extensions import api
from app.security.authorization import public

STATIC = Path(__file__).with_name("static")
# Swagger UI needs nothing from elsewhere; everything it loads comes from this app.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

blp = flask.Blueprint("apidocs", __name__)


@blp.get("/openapi.json")
@public
def openapi_document() -> flask.Response:
    """This API's OpenAPI 3 document, built once per app."""
    document = current_app.extensions.get("openapi_document")
    if document is None:
        document = current_app.extensions["openapi_document"] = api.spec.to_dict()
    return jsonify(document)


@blp.get("/docs")
@public
def swagger_ui() -> flask.Response:
    """Swagger UI on /openapi.json."""
    return _with_csp(_static_response("docs.html", "text/html"))


@blp.get("/docs/swagger-initializer.js")
@public
def swagger_initializer() -> flask.Response:
    return _with_csp(_static_response("swagger-initializer.js", "text/javascript"))


@blp.get("/docs/assets/<path:filename>")
@public
def swagger_asset(filename: str) -> flask.Response:
    return _with_csp(send_from_directory(swagger_ui_path, filename))


@cache
def _static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _static_response(name: str, mimetype: str) -> flask.Response:
    return current_app.response_class(_static_text(name), mimetype=mimetype)


def _with_csp(response: flask.Response) -> flask.Response:
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
