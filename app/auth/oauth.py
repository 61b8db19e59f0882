"""POST /auth/token: the OAuth 2 password grant (RFC 6749 section 4.3), a login under OAuth's names.

It is `services.log_in` itself (the same verification, throttle, audit and session), with
its refusals restated as the token endpoint must state them: a 400 carrying RFC 6749
section 5.2's `error` member beside our problem document's `code`.
"""

from __future__ import annotations

from dataclasses import replace

from app.auth.services import ClientInfo, log_in
from app.errors import ApiError, EmailUnverified, InvalidCredentials, MfaRequired, ValidationFailed
from app.security.tokens import TokenPair


class InvalidGrant(ApiError):
    """400 from POST /auth/token for wrong credentials: a login's `invalid_credentials`, as
    the OAuth 2 token endpoint answers it (RFC 6749 section 5.2: 400 `invalid_grant`)."""

    status, code, title = 400, "invalid_credentials", "Invalid email or password"
    members = {"error": "invalid_grant"}


class GrantNeedsMfa(InvalidGrant):
    """400 from POST /auth/token for a user with one-time pins on: the password grant has no
    second step, so the client must use POST /auth/login."""

    code, title = "mfa_required", "One-time pin required"


class EmailUnverifiedGrant(ApiError):
    """POST /auth/token's form of EmailUnverified: RFC 6749 has no 403, so 400 `invalid_grant`."""

    status, code, title = 400, "email_unverified", "Confirm your email address first"
    members = {"error": "invalid_grant"}


class InvalidTokenRequest(ValidationFailed):
    """400 from POST /auth/token (and /auth/introspect) for a body it cannot take:
    `validation_error` with `errors` as a 422 has, plus RFC 6749's `error`
    (`unsupported_grant_type` or `invalid_request`)."""

    status = 400

    def __init__(self, errors: dict[str, list[str]], *, oauth_error: str):
        super().__init__(errors)
        self.members = {"error": oauth_error}


def grant_password(*, username: str, password: str, client: ClientInfo) -> TokenPair:
    """The OAuth 2 password grant: log_in under RFC 6749's names and error shape.

    Raises InvalidGrant: where log_in raises InvalidCredentials (the same one verification,
    throttle count and audit record happen first).
    Raises GrantNeedsMfa: one-time pins are on; this grant has no second step.
    Raises RateLimited: as log_in.
    """
    try:
        pair = log_in(email=username, password=password, client=client)
    except InvalidCredentials:
        raise InvalidGrant() from None
    except EmailUnverified as error:
        raise EmailUnverifiedGrant(error.detail) from None
    except MfaRequired:
        raise GrantNeedsMfa(
            "This account uses one-time pins: log in with POST /auth/login instead."
        ) from None
    return replace(pair, token_type="bearer")  # noqa: S106 - the scheme name, not a secret
