"""The domain exceptions: what a service raises when the client should hear about a failure.

Services raise these and never build responses; each carries its HTTP status and a stable
`code` (docs/api.md). app/problems.py turns them, and every other error, into problem+json.
"""

from __future__ import annotations

from typing import Any

BEARER_CHALLENGE = "Bearer"
INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'  # noqa: S105 - not a secret
CLIENT_CHALLENGE = 'Basic realm="wardrobe-api introspection", charset="UTF-8"'


class ApiError(Exception):
    """A failure the client should hear about, with its HTTP status and stable `code`."""

    status = 400
    code = "bad_request"
    title = "Bad request"
    # Members the problem document carries besides the standard ones (e.g. OAuth's `error`).
    members: dict[str, Any] = {}

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}


class Unauthenticated(ApiError):
    """401: who you are could not be established. Every 401 carries a Bearer challenge."""

    status = 401
    code = "token_invalid"
    title = "Invalid token"
    challenge = INVALID_TOKEN_CHALLENGE

    def __init__(self, detail: str | None = None, **kwargs: Any):
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", self.challenge)


class TokenMissing(Unauthenticated):
    code, title, challenge = "token_missing", "Authentication required", BEARER_CHALLENGE


class TokenInvalid(Unauthenticated):
    code, title = "token_invalid", "Invalid token"


class TokenExpired(Unauthenticated):
    code, title = "token_expired", "Token expired"


class TokenRevoked(Unauthenticated):
    code, title = "token_revoked", "Session ended"


class TokenStale(Unauthenticated):
    code, title = "token_stale", "Token out of date"


class WrongTokenType(Unauthenticated):
    code, title = "wrong_token_type", "Wrong token type"


class RefreshReused(Unauthenticated):
    code, title = "refresh_reused", "Refresh token reused"


class InvalidCredentials(Unauthenticated):
    code, title, challenge = "invalid_credentials", "Invalid email or password", BEARER_CHALLENGE


class MfaRequired(Unauthenticated):
    """401 from POST /auth/login for a right password of a user with one-time pins on: the
    problem document carries the `mfa_token` for POST /auth/login/mfa, and no tokens."""

    code, title, challenge = "mfa_required", "One-time pin required", BEARER_CHALLENGE

    def __init__(self, mfa_token: str, methods: list[str]):
        super().__init__("Send a one-time pin or a recovery code to POST /auth/login/mfa.")
        self.members = {"mfa_token": mfa_token, "mfa_methods": methods}


class MfaProofRequired(Unauthenticated):
    """401 `mfa_required` where a mailed link or a password must come with a pin in the same
    request (password reset, closing the account): no `mfa_token`, nothing to take to a
    second step."""

    code, title, challenge = "mfa_required", "One-time pin required", BEARER_CHALLENGE


class MfaInvalid(Unauthenticated):
    code, title, challenge = "mfa_invalid", "Wrong one-time pin", BEARER_CHALLENGE


class InvalidClient(Unauthenticated):
    """401 for a service (POST /auth/introspect) whose HTTP Basic client credentials are
    missing or wrong. RFC 6749 section 5.2 names this `invalid_client`, with a Basic challenge."""

    code, title, challenge = "invalid_client", "Client authentication failed", CLIENT_CHALLENGE
    members = {"error": "invalid_client"}


class Forbidden(ApiError):
    status, code, title = 403, "forbidden", "Forbidden"


class CsrfFailed(ApiError):
    """403: a request authenticated by cookie changes state without the matching X-CSRF-Token."""

    status, code, title = 403, "csrf_failed", "CSRF token missing or wrong"


class MfaSessionRequired(Forbidden):
    code, title = "mfa_session_required", "A session opened with a one-time pin is required"


class WrongPassword(ApiError):
    status, code, title = 403, "wrong_password", "Current password is wrong"


class NotFound(ApiError):
    status, code, title = 404, "not_found", "Not found"


class EmailTaken(ApiError):
    status, code, title = 409, "email_taken", "Email already registered"


class MfaAlreadyEnabled(ApiError):
    status, code, title = 409, "mfa_already_enabled", "One-time pins are on already"


class MfaNotEnabled(ApiError):
    status, code, title = 409, "mfa_not_enabled", "One-time pins are not on"


class MfaNotPending(ApiError):
    status, code, title = 409, "mfa_not_pending", "No enrolment awaits confirmation"


class LastAdmin(ApiError):
    status, code, title = 409, "last_admin", "The last active admin must stay an active admin"


class PreconditionFailed(ApiError):
    status, code, title = 412, "precondition_failed", "Precondition failed"


class RateLimited(ApiError):
    """429 raised by a service (a limit a route decorator cannot count, e.g. per account).

    Carries `Retry-After` like the limiter's own 429.
    """

    status, code, title = 429, "rate_limited", "Too Many Requests"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(ApiError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class MailDisabled(ServiceUnavailable):
    code, title = "mail_disabled", "This server sends no mail"


class LinkInvalid(ApiError):
    """400 for a mailed link's token that is unknown, expired, used, superseded or altered."""

    status, code, title = 400, "link_invalid", "This link is invalid or has expired"


class EmailUnverified(ApiError):
    status, code, title = 403, "email_unverified", "Confirm your email address first"


class SavedNotYetEverywhere(ServiceUnavailable):
    """503 for a change that IS committed, but that the session cache (Redis) did not take.

    Other workers may serve the old state until their cached entries expire, so the client
    is told to expect it within SESSION_CACHE_TTL seconds, or at once if it repeats the request.
    The change happened: it is audited like a success (`audit.recorded`).
    """


class ValidationFailed(ApiError):
    """422 raised by a service (rules a schema cannot check alone, like the password policy)."""

    status, code, title = 422, "validation_error", "Validation failed"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("The request has invalid fields; see `errors` for what to fix.")
        self.errors = errors
