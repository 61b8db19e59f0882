"""The one Problem component (RFC 9457) and a true example for each status the API answers.

Each example is a body this API sends, with a `code` it answers with that status
(tests/contract/test_problem_codes.py holds them to app/errors.py and to real responses).
No operation answers 428: `If-Match` is optional (docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, fields, validate


class ProblemSchema(Schema):
    """An RFC 9457 problem document, as every error of this API is.

    Some codes add members of their own (e.g. OAuth's `error` on POST /auth/token), so other
    members are allowed.
    """

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "Always `about:blank`."})
    title = fields.String(required=True, metadata={"description": "Short, for people."})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    code = fields.String(
        required=True,
        metadata={
            "description": "Stable machine-readable reason; branch on this. Each operation "
            "lists those it answers in `x-problem-codes`."
        },
    )
    detail = fields.String(metadata={"description": "What happened and what to fix."})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "`validation_error` only: each bad field mapped to its messages (a "
            "list of strings; for a list field, an object from each bad index to its messages)."
        },
    )
    error = fields.String(
        metadata={
            "description": "POST /auth/token only: the OAuth 2 error (RFC 6749 section 5.2): "
            "`invalid_grant`, `invalid_request` or `unsupported_grant_type`."
        }
    )
    mfa_token = fields.String(
        metadata={
            "description": "`mfa_required` of POST /auth/login only: the token for "
            "POST /auth/login/mfa (5 minutes)."
        }
    )
    mfa_methods = fields.List(
        fields.String(validate=validate.OneOf(["totp", "recovery_code"])),
        metadata={
            "description": '`mfa_required` of POST /auth/login only: ["totp", "recovery_code"].'
        },
    )


def _example(status: int, code: str, title: str, detail: str, **members: Any) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **members,
    }


PROBLEM_EXAMPLES = {
    400: _example(400, "malformed_json", "Bad Request", "The request body is not valid JSON."),
    401: _example(
        401,
        "token_expired",
        "Token expired",
        "The token has expired; refresh it or log in again.",
    ),
    403: _example(403, "forbidden", "Forbidden", "This needs the role: admin."),
    404: _example(404, "not_found", "Not found", "No clothing item has this id."),
    409: _example(
        409,
        "email_taken",
        "Email already registered",
        "An account with this email exists already; log in instead.",
    ),
    412: _example(
        412,
        "precondition_failed",
        "Precondition failed",
        "The item changed since you read it (If-Match does not match its ETag); "
        "GET it again and retry.",
    ),
    413: _example(
        413,
        "payload_too_large",
        "Request Entity Too Large",
        "The data value transmitted exceeds the capacity limit.",
    ),
    415: _example(
        415,
        "unsupported_media_type",
        "Unsupported Media Type",
        "Send the body as JSON with the header Content-Type: application/json.",
    ),
    422: _example(
        422,
        "validation_error",
        "Unprocessable Entity",
        "The request has invalid fields; see `errors` for what to fix.",
        errors={"password": ["Missing data for required field."]},
    ),
    429: _example(
        429,
        "rate_limited",
        "Too Many Requests",
        "Too many requests: the limit is 10 per 1 minute. Retry later.",
    ),
    503: _example(
        503,
        "service_unavailable",
        "Service unavailable",
        "The database is unavailable; retry shortly.",
    ),
}
