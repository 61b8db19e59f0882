"""The OpenAPI side of the error shape, of the bearer scheme and of each route's policy.

flask-smorest documents error responses with its own `{"code", "status", "message"}` schema
as `application/json`; ours are problem documents, so the Api subclass below documents them
as such. Nothing here imports the app.
"""

from __future__ import annotations

import http
from collections.abc import Callable
from copy import deepcopy
from decimal import Decimal
from typing import Any

from flask_smorest import Api
from flask_smorest.spec import prepare_response

from app.web.openapi_headers import STATUS_HEADERS
from app.web.problem_docs import ProblemCodesPlugin, add_problem_codes, set_requirement
from app.web.problem_schema import PROBLEM_EXAMPLES, ProblemSchema

PROBLEM_MIMETYPE = "application/problem+json"
BEARER_SCHEME = "bearerAuth"
COOKIE_SCHEME = "cookieAuth"
ACCESS_COOKIE_NAME = "wardrobe_access"
# OAuth 2's password flow on POST /auth/token: Swagger UI's Authorize asks for email and
# password and sends the access token it gets. The URL is relative to the document's, so the
# UI still finds it when the API is served under a path prefix.
PASSWORD_FLOW_SCHEME = "passwordFlow"  # noqa: S105 - a scheme name, not a secret
CLIENT_SCHEME = "introspectionClient"
TOKEN_URL = "auth/token"  # noqa: S105 - a path, not a secret

DESCRIPTION = """\
Every operation but registration, login and the probes needs a token.

1. `POST /auth/register` creates an account; `POST /auth/login` returns an access token and
   a refresh token.
2. **Authorize**: log in with email and password (passwordFlow, which calls
   `POST /auth/token`), or paste the **access token** (bearerAuth). Every call then sends it
   as `Authorization: Bearer <access token>`.
3. When it expires (401 `token_expired`), `POST /auth/refresh` with the **refresh token** in
   the same header returns a new pair; authorize again with the new access token.
4. `POST /auth/logout` ends the session.

Browsers can log in with `"transport": "cookie"` instead (cookieAuth): the tokens then travel
in HttpOnly cookies, and every POST, PUT, PATCH or DELETE must send the `X-CSRF-Token` header
with the `csrf_token` of the login (also in the readable `wardrobe_csrf` cookie), else 403
`csrf_failed`. A request with an Authorization header is judged by that header alone.

Errors are problem documents (`application/problem+json`); branch on their `code`.
"""
# Error responses always present in components (views reference them).
# Field metadata naming the schema component an enum field refers to (see enum_component).
ENUM_COMPONENT = "enum_component"
REFERENCED_STATUSES = {400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 503}


class WardrobeApi(Api):
    """flask-smorest's Api, documenting errors as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, **kwargs: Any) -> None:
        kwargs.setdefault("info", {"description": DESCRIPTION})
        kwargs["extra_plugins"] = [*kwargs.get("extra_plugins", ()), ProblemCodesPlugin()]
        super()._init_spec(**kwargs)
        converter = self.ma_plugin.converter
        converter.add_attribute_function(decimal_bounds_as_numbers)
        field2property = converter.field2property
        converter.field2property = lambda field: enum_as_reference(
            self.spec, field, field2property(field)
        )

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            content_type = "application/json"
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_MIMETYPE
                if status in PROBLEM_EXAMPLES:
                    response["example"] = PROBLEM_EXAMPLES[status]
            if status in STATUS_HEADERS:
                response["headers"] = STATUS_HEADERS[status]
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(
                status.name, response, lazy=status not in REFERENCED_STATUSES
            )
        response = {"description": "Any other error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
        self.spec.components.security_scheme(
            BEARER_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        )
        self.spec.components.security_scheme(
            COOKIE_SCHEME,
            {
                "type": "apiKey",
                "in": "cookie",
                "name": ACCESS_COOKIE_NAME,
                "description": 'Set by POST /auth/login with `"transport": "cookie"`. Every'
                " POST, PUT, PATCH and DELETE also needs the X-CSRF-Token header (the login's"
                " `csrf_token`), else 403 `csrf_failed`.",
            },
        )
        client = {"type": "http", "scheme": "basic", "description": "INTROSPECTION_CLIENTS"}
        self.spec.components.security_scheme(CLIENT_SCHEME, client)
        self.spec.components.security_scheme(
            PASSWORD_FLOW_SCHEME,
            {
                "type": "oauth2",
                "description": "Log in with your email as the username (POST /auth/token); "
                "the access token it returns is sent as a Bearer token.",
                "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": {}}},
            },
        )

    def _register_pagination_header(self) -> None:
        """Nothing: lists page by cursor in the body, not by page numbers in a header."""


def enum_component(name: str) -> dict[str, str]:
    """Field metadata: document this enum field as a reference to the schema `name`.

    One component per list of values (the category of an item and of a filter alike), so a
    generated client has one enum type for it, not one per field.
    """
    return {ENUM_COMPONENT: name}


def enum_as_reference(spec: Any, field: Any, ret: dict) -> dict:
    """`ret` (a field's property) with its `type` and `enum` moved to a shared component."""
    name = field.metadata.get(ENUM_COMPONENT)
    if name is None:
        return ret
    component = {"type": ret.pop("type"), "enum": ret.pop("enum")}
    if name not in spec.components.schemas:
        spec.components.schema(name, component)
    reference = {"$ref": f"#/components/schemas/{name}"}
    # OpenAPI 3.0 ignores the siblings of a $ref: what else the field says goes beside allOf.
    return {**ret, "allOf": [reference]} if ret else reference


def decimal_bounds_as_numbers(_converter: Any, _field: Any, ret: dict, **_kwargs: Any) -> dict:
    """Write a Decimal `minimum`/`maximum` as a JSON number.

    apispec copies a Range validator's bounds as they are, and a Decimal bound (the price
    filters' 1000000) would reach the document as the string "1000000", which JSON Schema
    validators refuse as a `maximum`.
    """
    return {
        key: int(value) if value == value.to_integral_value() else float(value)
        for key, value in ret.items()
        if isinstance(value, Decimal) and key in ("minimum", "maximum")
    }


def document_security(
    wrapper: Callable[..., Any],
    view: Callable[..., Any],
    *,
    needs_token: bool,
    client: bool = False,
    roles: tuple[str, ...],
    requires_mfa: bool = False,
    password_flow: bool = False,
    requires: str | None = None,
    problem_codes: dict[int, list[str]] | None = None,
) -> None:
    """Show a route's policy in its OpenAPI operation, on `wrapper` (the decorated `view`).

    A public route gets `security: []`; a `client` route (no token: a service's Basic
    credentials) the client scheme alone; any other the bearer scheme (or, with
    `password_flow`, the access token from the password flow instead), `x-required-roles`,
    and `x-requires-mfa` when it needs a session opened with a one-time pin. `requires` (what
    the policy asks, as a sentence) opens the description; `problem_codes` (the 401s and 403s
    the policy answers) join the operation's `x-problem-codes` (app/web/problem_docs.py).
    Called once per view, at import.
    """
    wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))  # type: ignore[attr-defined]
    manual = wrapper._apidoc.setdefault("manual_doc", {})  # type: ignore[attr-defined]
    if client:
        manual["security"] = [{CLIENT_SCHEME: []}]
    elif not needs_token:
        manual["security"] = []
    else:
        manual["security"] = [{BEARER_SCHEME: []}]
        if password_flow:
            manual["security"].append({PASSWORD_FLOW_SCHEME: []})
            manual["security"].append({COOKIE_SCHEME: []})
        manual["x-required-roles"] = list(roles)
        if requires_mfa:
            manual["x-requires-mfa"] = True
    set_requirement(wrapper, requires)
    add_problem_codes(wrapper, problem_codes or {})
