"""Which problem `code` values each operation answers, in the OpenAPI document.

Every source of errors adds its codes to the view's documentation where it is declared:

- the route policy (app/security/authorization.py): the 401 codes of authentication, 403
  `forbidden` for a role;
- the body and the query (`Blueprint.arguments`): 400, 413, 415 and 422;
- `@blp.raises(NotFound, PreconditionFailed, ...)`: the exceptions of app/errors.py a view's
  service raises, each giving its `status` and `code`.

`ProblemCodesPlugin` writes them as `x-problem-codes` (`{"401": ["token_expired", ...]}`,
statuses and codes sorted), adds the shared problem response of each status the operation
did not document yet, and writes the description: the requirement of the route's policy
first, then the docstring, then the codes. Nothing here imports the app.
"""

from __future__ import annotations

import http
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from apispec import BasePlugin

PROBLEM_CODES = "x-problem-codes"
# What the route policy requires, as a sentence; the plugin moves it into the description.
REQUIRES = "x-wardrobe-requires"

# Codes of errors raised by Flask, Werkzeug, webargs or flask-limiter, by status.
HTTP_STATUS_CODES = {
    400: "malformed_json",
    401: "token_missing",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class ProblemSource(Protocol):
    """An exception class of app/errors.py, as far as the document needs it."""

    @property
    def status(self) -> int: ...

    @property
    def code(self) -> str: ...


def codes_of(*errors: ProblemSource) -> dict[int, list[str]]:
    """{status: [code, ...]} of these exception classes."""
    codes: dict[int, list[str]] = {}
    for error in errors:
        codes.setdefault(error.status, []).append(error.code)
    return codes


def add_problem_codes(view: Callable[..., Any], codes: Mapping[int, Iterable[str]]) -> None:
    """Record on `view`'s documentation that it may answer these codes."""
    apidoc = view.__dict__.setdefault("_apidoc", {})
    documented = apidoc.setdefault("manual_doc", {}).setdefault(PROBLEM_CODES, {})
    for status, names in codes.items():
        documented[str(status)] = sorted(set(documented.get(str(status), ())) | set(names))


def set_requirement(view: Callable[..., Any], sentence: str | None) -> None:
    """Record what calling `view` requires, shown first in its description."""
    if sentence:
        view.__dict__.setdefault("_apidoc", {}).setdefault("manual_doc", {})[REQUIRES] = sentence


class ProblemCodesPlugin(BasePlugin):
    """Writes `x-problem-codes` and the description of every operation (module docstring)."""

    def operation_helper(
        self,
        path: str | None = None,  # noqa: ARG002 - apispec's signature
        operations: dict | None = None,
        **_kwargs: Any,
    ) -> None:
        for operation in (operations or {}).values():
            describe(operation)


def describe(operation: dict) -> None:
    requires = operation.pop(REQUIRES, None)
    codes = {
        status: sorted(names)
        for status, names in sorted(operation.get(PROBLEM_CODES, {}).items())
        if names
    }
    responses = operation.setdefault("responses", {})
    for status in codes:
        if status not in responses and int(status) not in responses:
            # A string names a shared response component: apispec turns it into a $ref.
            responses[status] = http.HTTPStatus(int(status)).name
    parts = [f"**Requires:** {requires}."] if requires else []
    if operation.get("description"):
        parts.append(operation["description"])
    operation[PROBLEM_CODES] = codes
    if codes:
        parts.append(codes_markdown(codes))
    if parts:
        operation["description"] = "\n\n".join(parts)


def codes_markdown(codes: Mapping[str, list[str]]) -> str:
    lines = ["**Problem codes** (`code` of the error, by status):", ""]
    for status, names in codes.items():
        lines.append(f"- {status}: " + ", ".join(f"`{name}`" for name in names))
    return "\n".join(lines)
