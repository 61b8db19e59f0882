"""The project's Blueprint: how a route reads its request and writes its response.

flask-smorest's Blueprint, with strict JSON bodies (request_body.py), a presenter named
at `@blp.response` for responses written by hand, `@blp.no_body` for endpoints that take
none, and the `<id:...>` path converter for database ids.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import flask_smorest
from flask import Response, current_app
from flask_smorest.utils import unpack_tuple_response
from marshmallow import Schema
from werkzeug.routing import IntegerConverter, Map
from werkzeug.sansio.response import Response as BaseResponse

from app.web.problem_docs import HTTP_STATUS_CODES, ProblemSource, add_problem_codes, codes_of
from app.web.request_body import FORM_MIMETYPE, EmptyBodySchema, StrictJsonParser

# The largest id a database integer column holds on every backend (a signed 32-bit int).
ID_MAX = 2_147_483_647
_STATUS = {"BAD_REQUEST": 400, "REQUEST_ENTITY_TOO_LARGE": 413, "UNSUPPORTED_MEDIA_TYPE": 415}

View = Callable[..., Any]
Presenter = Callable[[Any], Any]


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with our body parser, presenters and `no_body`."""

    ARGUMENTS_PARSER = StrictJsonParser()
    # A form or JSON body, by its Content-Type (RFC 7662's introspection takes both).
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": FORM_MIMETYPE,
    }

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
        """As flask-smorest's, with three differences.

        - The schema is built once here. Fast path [schemas-built-once]: see
          docs/performance.md. webargs would build one, and marshmallow deep-copy every
          declared field, on every request.
        - A body none of whose fields is required (a PATCH) is documented as optional (an
          empty body is a no-op there, not an error).
        - Every body documents what reading it can answer: 400 malformed, 413 too large,
          415 not JSON (not for bodyless endpoints, which take any Content-Type); a form
          body (`location="form"`) 413 and 415 (not a URL-encoded form); either
          (`location="json_or_form"`) all three, and both content types.
        """
        schema = schema() if isinstance(schema, type) else schema
        # webargs answers a schema's errors with this status (`validation_error`).
        invalid = [kwargs.get("error_status_code", 422)]
        if location not in ("json", "form", "json_or_form"):
            decorate = super().arguments(schema, location=location, **kwargs)
            return _compose(decorate, _problem_codes(invalid))
        kwargs.setdefault("required", _requires_a_field(schema))
        decorate = super().arguments(schema, location=location, **kwargs)
        # A form has no JSON to be malformed; the view documents its own 400s.
        statuses = [] if location == "form" else ["BAD_REQUEST"]
        statuses.append("REQUEST_ENTITY_TOO_LARGE")
        if not getattr(schema, "ANY_CONTENT_TYPE", False):
            statuses.append("UNSUPPORTED_MEDIA_TYPE")
        for status in statuses:
            decorate = _compose(decorate, self.alt_response(_STATUS[status], response=status))
        if location == "json_or_form":  # the form is documented; JSON joins it
            json_body = {"content": {"application/json": {"schema": schema}}}
            decorate = _compose(decorate, self.doc(requestBody=json_body))
        if invalid == [400]:  # the view documents its own 400 codes (a form's, say)
            invalid = []
        return _compose(decorate, _problem_codes([_STATUS[s] for s in statuses] + invalid))

    @staticmethod
    def raises(*errors: ProblemSource) -> Callable[[View], View]:
        """Document the domain errors (app/errors.py) the view's service may raise.

        Each adds its `code` to the operation's `x-problem-codes` under its `status`, and the
        shared problem response of that status: `@blp.raises(NotFound, PreconditionFailed)`.
        """

        def decorator(view: View) -> View:
            add_problem_codes(view, codes_of(*errors))
            return view

        return decorator

    def no_body(self, view: View) -> View:
        """The endpoint takes no body: nothing, empty or `{}`, under any Content-Type.

        A body with fields is refused with 422, so a client that thinks it is sending
        something learns that it is not.
        """
        return self.arguments(EmptyBodySchema, required=False, as_kwargs=True)(view)

    def response(
        self,
        status_code: int,
        schema: Any = None,
        *,
        presenter: Presenter | None = None,
        **kwargs: Any,
    ) -> Callable[[View], View]:
        """As flask-smorest's; with `presenter`, the presenter writes the body, not `schema`.

        The schema still documents the response in OpenAPI. Fast path [presenters]: see
        docs/performance.md. A presenter is a plain function that writes the same JSON as
        the schema's dump (tests/catalogue/test_presenters.py holds them equal), without
        marshmallow's per-field calls. The view returns what its service returns, as with a
        schema: an object, or (object, status) or (object, status, headers); a Response it
        returns (a 304, say) goes out as it is.
        """
        document = super().response(status_code, schema, **kwargs)
        if presenter is None:
            return document

        def decorator(view: View) -> View:
            @functools.wraps(view)
            def present(*args: Any, **view_kwargs: Any) -> BaseResponse:
                body, status, headers = unpack_tuple_response(view(*args, **view_kwargs))
                response: BaseResponse
                if isinstance(body, Response):
                    response = body
                else:
                    response = current_app.json.response(presenter(body))
                    response.status_code = status_code
                if status is not None:
                    response.status_code = status
                if headers:
                    response.headers.update(headers)
                return response

            # Replaces flask-smorest's own wrapper (which would dump through the schema),
            # keeping the documentation it wrote.
            present._apidoc = document(view)._apidoc  # type: ignore[attr-defined]
            return present

        return decorator


def _compose(inner: Any, outer: Any) -> Any:
    return lambda view: outer(inner(view))


def _problem_codes(statuses: list[int]) -> Callable[[View], View]:
    """Decorator adding the codes Flask, Werkzeug and webargs answer with these statuses."""

    def decorator(view: View) -> View:
        add_problem_codes(view, {status: [HTTP_STATUS_CODES[status]] for status in statuses})
        return view

    return decorator


def _requires_a_field(schema: Schema) -> bool:
    if schema.partial is True:
        return False
    return any(field.required for field in schema.load_fields.values())


class AsciiIntegerConverter(IntegerConverter):
    """`<int:...>` path segments of ASCII digits only.

    Werkzeug's pattern is `\\d+`, which also matches other scripts' digits, so
    `/users/%EF%BC%91` (a fullwidth "1") answered as `/users/1`; ids are ASCII (docs/api.md).
    """

    regex = r"[0-9]+"


class IdConverter(AsciiIntegerConverter):
    """`<id:...>`: a database id in a path, 1 to ID_MAX in ASCII digits; anything else is 404.

    A larger number would overflow the database's integer column (a 500 on PostgreSQL), so
    it never reaches a query.
    """

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=ID_MAX)


URL_CONVERTERS = {"int": AsciiIntegerConverter, "id": IdConverter}
