"""/openapi.json, /docs (Swagger UI) and the UI's own scripts and styles."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import flask
from flask import current_app, jsonify, send_from_directory
from flask.views import MethodView
from swagger_ui_bundle import swagger_ui_path

from app.extensions import api
from app.security.authorization import public
from app.web.blueprint import Blueprint

STATIC = Path(__file__).with_name("static")
# Swagger UI needs nothing from elsewhere; everything it loads comes from this app.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

blp = Blueprint("apidocs", __name__, description="This document and its UI.")
# The UI's files are not API operations, so they stay out of the OpenAPI document.
assets = flask.Blueprint("apidocs_assets", __name__)


@blp.route("/openapi.json")
class OpenApiDocument(MethodView):
    @public
    @blp.response(200, description="The OpenAPI 3 document of this API.")
    def get(self):
        """This API's OpenAPI 3 document."""
        document = current_app.extensions.get("openapi_document")
        if document is None:
            document = current_app.extensions["openapi_document"] = api.spec.to_dict()
        return jsonify(document)


@blp.route("/docs")
class SwaggerUi(MethodView):
    @public
    @blp.response(200, description="Swagger UI (HTML).")
    def get(self):
        """Swagger UI on /openapi.json."""
        return _with_csp(_static_response("docs.html", "text/html"))


@assets.route("/docs/swagger-initializer.js")
@public
def swagger_initializer():
    return _with_csp(_static_response("swagger-initializer.js", "text/javascript"))


@assets.route("/docs/assets/<path:filename>")
@public
def swagger_asset(filename: str):
    return _with_csp(send_from_directory(swagger_ui_path, filename))


@cache
def _static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _static_response(name: str, mimetype: str) -> flask.Response:
    return current_app.response_class(_static_text(name), mimetype=mimetype)


def _with_csp(response: flask.Response) -> flask.Response:
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
