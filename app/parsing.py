"""How request bodies are read: strict JSON, the contract's 400/413/415, no surprises.

webargs' default parser quietly treats a non-JSON body as "no body" and lets Python's json
module accept `NaN` or raise RecursionError on deep nesting. This parser says 415 for a
body that is not JSON, 400 for one that does not parse, and never lets a parse become a 500.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import flask_smorest
from marshmallow import EXCLUDE, Schema
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import IntegerConverter


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJsonParser(FlaskParser):
    def load_querystring(self, req: Any, schema: Schema) -> Any:
        """Each parameter's first value, as a plain dict, for schemas of single values.

        That is what webargs' MultiDictProxy hands such a schema, but the proxy answers
        each absent parameter by raising and catching a KeyError inside Werkzeug: half of
        parsing /clothes' query (docs/performance.md). Schemas with a List field keep it.
        """
        if _takes_lists(schema):
            return super().load_querystring(req, schema)
        return req.args.to_dict()

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
    """flask-smorest's Blueprint with our body parser (see `arguments` for the rest)."""

    ARGUMENTS_PARSER = StrictJsonParser()

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
        """As flask-smorest's, with three differences.

        - The schema is built once here: webargs would build a class on every request, and
          marshmallow deep-copies every declared field each time.
        - A body none of whose fields is required (a PATCH) is documented as optional (an
          empty body is a no-op there, not an error).
        - Every body documents what reading it can answer: 400 malformed, 413 too large,
          415 not JSON (not for bodyless endpoints, which take any Content-Type).
        """
        schema = schema() if isinstance(schema, type) else schema
        if location != "json":
            return super().arguments(schema, location=location, **kwargs)
        kwargs.setdefault("required", _requires_a_field(schema))
        decorate = super().arguments(schema, location=location, **kwargs)
        statuses = ["BAD_REQUEST", "REQUEST_ENTITY_TOO_LARGE"]
        if not getattr(schema, "ANY_CONTENT_TYPE", False):
            statuses.append("UNSUPPORTED_MEDIA_TYPE")
        for status in statuses:
            decorate = _compose(decorate, self.alt_response(_STATUS[status], response=status))
        return decorate


_STATUS = {"BAD_REQUEST": 400, "REQUEST_ENTITY_TOO_LARGE": 413, "UNSUPPORTED_MEDIA_TYPE": 415}


def _compose(inner: Any, outer: Any) -> Any:
    return lambda view: outer(inner(view))


@functools.cache  # schemas are built once per route (Blueprint.arguments)
def _takes_lists(schema: Schema) -> bool:
    multi_valued = tuple(FlaskParser.KNOWN_MULTI_FIELDS)
    return any(isinstance(field, multi_valued) for field in schema.fields.values())


def _requires_a_field(schema: Schema) -> bool:
    if schema.partial is True:
        return False
    return any(field.required for field in schema.load_fields.values())


class EmptyBodySchema(Schema):
    """For endpoints that take no body: nothing, an empty body or `{}`, any Content-Type.

    A body with fields is a 422 (RAISE is marshmallow's default for unknown fields).
    """

    ANY_CONTENT_TYPE = True


class QueryArgsSchema(Schema):
    """Base for query strings: unknown parameters are ignored (docs/api.md)."""

    class Meta:
        unknown = EXCLUDE


class AsciiIntegerConverter(IntegerConverter):
    """`<int:...>` path ids of ASCII digits only.

    Werkzeug's pattern is `\\d+`, which also matches other scripts' digits, so
    `/users/%EF%BC%91` (a fullwidth "1") answered as `/users/1`; ids are ASCII (docs/api.md).
    """

    regex = r"[0-9]+"
