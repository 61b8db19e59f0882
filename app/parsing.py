"""How request bodies are read: strict JSON, the contract's 400/413/415, no surprises.

webargs' default parser quietly treats a non-JSON body as "no body" and lets Python's json
module accept `NaN` or raise RecursionError on deep nesting. This parser says 415 for a
body that is not JSON, 400 for one that does not parse, and never lets a parse become a 500.
"""

from __future__ import annotations

import json
from typing import Any

import flask_smorest
from marshmallow import EXCLUDE, Schema
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, UnsupportedMediaType


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJsonParser(FlaskParser):
    def load_json(self, req: Any, schema: Schema) -> Any:
        raw = req.get_data(cache=True)  # over MAX_CONTENT_LENGTH: Werkzeug raises 413
        if not raw.strip():
            return core.missing
        if not core.is_json(req.mimetype) and not getattr(schema, "ANY_CONTENT_TYPE", False):
            raise UnsupportedMediaType(
                "Send the body as JSON with the header Content-Type: application/json."
            )
        try:
            return json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise BadRequest("The request body is not valid JSON.") from None


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with our body parser, building each schema once.

    webargs instantiates a schema class on every request, and marshmallow deep-copies every
    declared field each time; an instance made at import is reused instead (schemas keep no
    per-request state).
    """

    ARGUMENTS_PARSER = StrictJsonParser()

    def arguments(self, schema: type[Schema] | Schema, **kwargs: Any) -> Any:
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)


class EmptyBodySchema(Schema):
    """For endpoints that take no body: nothing, an empty body or `{}`, any Content-Type.

    A body with fields is a 422 (RAISE is marshmallow's default for unknown fields).
    """

    ANY_CONTENT_TYPE = True


class QueryArgsSchema(Schema):
    """Base for query strings: unknown parameters are ignored (API.md section 1)."""

    class Meta:
        unknown = EXCLUDE
