"""How requests are read: strict JSON bodies, the contract's 400/413/415, plain query strings.

webargs' default parser quietly treats a non-JSON body as "no body" and lets Python's json
module accept `NaN` or raise RecursionError on deep nesting. This parser says 415 for a
body that is not JSON, 400 for one that does not parse, and never lets a parse become a 500.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from marshmallow import EXCLUDE, Schema
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

FORM_MIMETYPE = "application/x-www-form-urlencoded"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJsonParser(FlaskParser):
    def load_querystring(self, req: Any, schema: Schema) -> Any:
        """Each parameter's first value, as a plain dict, for schemas of single values.

        Fast path [query-string-dict]: see docs/performance.md. That is what webargs'
        MultiDictProxy hands such a schema, without the KeyError Werkzeug raises and catches
        inside the proxy for each absent parameter. Schemas with a List field keep the proxy.
        """
        if _takes_lists(schema):
            return super().load_querystring(req, schema)
        return req.args.to_dict()

    def load_form(self, req: Any, schema: Schema) -> Any:
        """Raises UnsupportedMediaType (415) for any body but an URL-encoded form."""
        if req.mimetype != FORM_MIMETYPE:
            raise UnsupportedMediaType(
                f"Send the body as a form with the header Content-Type: {FORM_MIMETYPE}."
            )
        return super().load_form(req, schema)

    def load_json_or_form(self, req: Any, schema: Schema) -> Any:
        """A URL-encoded form when the Content-Type says so, else strict JSON (as load_json)."""
        if req.mimetype == FORM_MIMETYPE:
            return super().load_form(req, schema)
        if req.get_data(cache=True).strip() and not core.is_json(req.mimetype):
            raise UnsupportedMediaType(f"Send the body as JSON or as a form ({FORM_MIMETYPE}).")
        return self.load_json(req, schema)

    def load_json(self, req: Any, schema: Schema) -> Any:
        """Raises UnsupportedMediaType (415), BadRequest (400); Werkzeug raises the 413."""
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


@functools.cache  # schemas are built once per route (Blueprint.arguments)
def _takes_lists(schema: Schema) -> bool:
    multi_valued = tuple(FlaskParser.KNOWN_MULTI_FIELDS)
    return any(isinstance(field, multi_valued) for field in schema.fields.values())


class EmptyBodySchema(Schema):
    """For endpoints that take no body: nothing, an empty body or `{}`, any Content-Type.

    A body with fields is a 422 (RAISE is marshmallow's default for unknown fields).
    Routes say `@blp.no_body` rather than naming it.
    """

    ANY_CONTENT_TYPE = True


class QueryArgsSchema(Schema):
    """Base for query strings: unknown parameters are ignored (docs/api.md)."""

    class Meta:
        unknown = EXCLUDE
