"""One error shape for the whole API: RFC 9457 problem documents.

The handlers registered here turn the domain exceptions of app/errors.py, Werkzeug's HTTP
errors, webargs' validation errors, flask-limiter's 429, flask-jwt-extended's failures and
anything unexpected into `application/problem+json` with a stable `code` (docs/api.md).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, json
from limits.errors import StorageError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from app import metrics, redis_store
from app.errors import (
    BEARER_CHALLENGE,
    ApiError,
    ServiceUnavailable,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
    TokenRevoked,
)
from app.extensions import jwt, limiter
from app.web.openapi import PROBLEM_MIMETYPE
from app.web.problem_docs import HTTP_STATUS_CODES

log = logging.getLogger(__name__)


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors: dict | None = None,
    headers: dict[str, str] | None = None,
    members: dict[str, Any] | None = None,
) -> Response:
    """Build an RFC 9457 problem response; the only place an error body is made."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    body.update(members or {})
    response = current_app.response_class(
        json.dumps(body) + "\n", status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.update(headers or {})
    return response


def handle_api_error(error: ApiError) -> Response:
    metrics.api_error(error)
    return problem(
        error.status,
        error.code,
        error.title,
        error.detail,
        errors=getattr(error, "errors", None),
        headers=error.headers,
        members=error.members,
    )


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own errors (404, 405, 413, 415…), webargs' 400/422 and the limiter's 429."""
    status = error.code or 500
    code = HTTP_STATUS_CODES.get(status, (error.name or "error").lower().replace(" ", "_"))
    headers: dict[str, str] = {}
    errors = None
    detail = error.description
    data = getattr(error, "data", None) or {}
    if status == 422:
        errors = _merge_locations(data.get("messages", {}))
        detail = "The request has invalid fields; see `errors` for what to fix."
    elif status == 400 and "messages" in data:
        detail = "The request body is not valid JSON."
    elif status == 401:
        headers["WWW-Authenticate"] = BEARER_CHALLENGE
    elif status == 405 and (allowed := getattr(error, "valid_methods", None)):
        headers["Allow"] = ", ".join(allowed)
    elif status == 429:
        metrics.limiter_refused(error)
        headers["Retry-After"] = str(_retry_after_seconds())
        detail = f"Too many requests: the limit is {error.description}. Retry later."
    headers.update(data.get("headers") or {})
    return problem(status, code, error.name or "Error", detail, errors=errors, headers=headers)


def handle_database_unavailable(error: Exception) -> Response:
    """The database did not answer, or no pooled connection freed up in time: fail closed
    with 503, never with a trace or SQL."""
    cause = getattr(error, "orig", None) or error
    log.error("database unavailable: %s", type(cause).__name__)
    metrics.backend_failed("database")
    return handle_api_error(ServiceUnavailable("The database is unavailable; retry shortly."))


def handle_redis_unavailable(error: Exception) -> Response:
    """Redis (the rate limiter's storage) failed: 503 rather than an unlimited login.

    Every RedisError lands here: unreachable, timed out, out of memory, a read-only replica
    or any other error reply. RATELIMIT_SWALLOW_ERRORS is False, so flask-limiter raises
    instead of quietly letting every request through; the session check never gets here (it
    falls back to the database).
    """
    log.error("redis unavailable: %s", type(error).__name__)
    metrics.backend_failed("redis")
    return handle_api_error(ServiceUnavailable("A backing service is unavailable; retry shortly."))


def handle_unexpected(error: Exception) -> Response:
    """Anything unforeseen: logged with its trace here, a bare 500 for the client."""
    log.exception("unhandled exception", exc_info=error)
    return problem(500, "internal_error", "Internal server error")


def _merge_locations(messages: dict) -> dict:
    """webargs groups messages by location (`json`, `query`); clients want field -> messages."""
    merged: dict = {}
    for by_field in messages.values():
        if isinstance(by_field, dict):
            merged.update(by_field)
    return merged


def _retry_after_seconds() -> int:
    """Seconds until the breached window ends, never more than the window itself.

    flask-limiter rounds the window's end up to a whole second, so without the cap a
    "10 per minute" limit could say 61.
    """
    current = limiter.current_limit
    if current is None:
        return 60
    window = current.limit.get_expiry()
    return min(window, max(1, math.ceil(current.reset_at - time.time())))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for database_failure in (
        OperationalError,
        InterfaceError,
        DisconnectionError,
        PoolTimeoutError,
    ):
        app.register_error_handler(database_failure, handle_database_unavailable)
    redis_failures = redis_store.failures() if app.config.get("REDIS_URL") else ()
    for redis_failure in (*redis_failures, StorageError):
        app.register_error_handler(redis_failure, handle_redis_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
    register_jwt_loaders()


def register_jwt_loaders() -> None:
    """Give flask-jwt-extended's own failures our shape too.

    Our routes authenticate through app.security.authentication, which raises the exceptions
    above; these loaders only matter if someone uses `@jwt_required` directly. Their defaults
    answer `{"msg": ...}` with 422 or 400 and echo the token's `sub` (docs/security.md).
    """

    def as_response(error_class: type[ApiError]) -> Callable[..., Response]:
        return lambda *_args: handle_api_error(error_class())

    jwt.unauthorized_loader(as_response(TokenMissing))
    jwt.invalid_token_loader(as_response(TokenInvalid))
    jwt.expired_token_loader(as_response(TokenExpired))
    jwt.revoked_token_loader(as_response(TokenRevoked))
    jwt.needs_fresh_token_loader(as_response(TokenInvalid))
    jwt.user_lookup_error_loader(as_response(TokenInvalid))
    jwt.token_verification_failed_loader(as_response(TokenInvalid))
