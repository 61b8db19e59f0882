"""/auth's account self-service: mailed links, password reset, name, email, closing."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView

from app.accounts import self_service, services
from app.accounts.schemas import (
    AcceptedSchema,
    AccountCloseSchema,
    EmailChangeSchema,
    LinkTokenSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    ProfileUpdateSchema,
)
from app.email_addresses import InvalidEmail, normalise_email
from app.errors import (
    EmailTaken,
    LastAdmin,
    LinkInvalid,
    MailDisabled,
    MfaInvalid,
    MfaProofRequired,
    RateLimited,
    WrongPassword,
)
from app.extensions import limiter
from app.identity.models import User
from app.identity.presenters import user_json
from app.identity.schemas import UserSchema
from app.security.authentication import current_principal
from app.security.authorization import authenticated, public
from app.web.blueprint import Blueprint

blp = Blueprint(
    "accounts", __name__, url_prefix="/auth", description="Email verification, password reset."
)

RESET_ACCEPTED = {
    "detail": "If an active account has this email, a link to reset its password is on its way."
}


def accepted(body: dict[str, str]) -> dict[str, str]:
    return body


def reset_limit() -> str:
    return str(current_app.config["PASSWORD_RESET_RATE_LIMIT"])


def password_check_limit() -> str:
    return str(current_app.config["PASSWORD_CHANGE_RATE_LIMIT"])


def caller_key() -> str:
    return f"user:{current_principal().user_id}"


def reset_email_key() -> str:
    """The typed email, normalised as login normalises it, as a digest (never the email)."""
    body = request.get_json(silent=True)
    raw = body.get("email") if isinstance(body, dict) else None
    try:
        email = normalise_email(raw, refuse_mixed_scripts=False) if isinstance(raw, str) else ""
    except InvalidEmail:
        email = ""
    return "reset:" + hashlib.sha256(email.encode()).hexdigest()[:32]


@blp.route("/verify-email")
class VerifyEmail(MethodView):
    @public
    @blp.doc(operationId="verifyEmail")
    @blp.arguments(LinkTokenSchema)
    @blp.response(204)
    @blp.raises(LinkInvalid, EmailTaken)
    def post(self, body: dict) -> None:
        """Use a link mailed to verify an email, or to confirm a new one."""
        services.verify_email(body["token"])


@blp.route("/verify-email/resend")
class ResendVerification(MethodView):
    @authenticated
    @blp.doc(operationId="resendVerificationEmail")
    @limiter.limit(reset_limit, key_func=caller_key)
    @blp.no_body
    @blp.response(202, AcceptedSchema, presenter=accepted)
    @blp.alt_response(204, description="The email is verified already; nothing is sent.")
    @blp.raises(RateLimited, MailDisabled)
    def post(self) -> dict[str, str] | Response:
        """Mail a new verification link; the older ones stop working."""
        if not services.resend_verification(current_principal()):
            return current_app.response_class(status=204)
        return {"detail": "A new verification link is on its way."}


@blp.route("/password-reset")
class PasswordReset(MethodView):
    @public
    @blp.doc(operationId="requestPasswordReset")
    @limiter.limit(reset_limit, key_func=reset_email_key)
    @limiter.limit(reset_limit)
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, AcceptedSchema, presenter=accepted)
    @blp.raises(RateLimited, MailDisabled)
    def post(self, body: dict) -> dict[str, str]:
        """Mail a reset link to the account with this email; the same answer for any email."""
        services.request_password_reset(body["email"])
        return RESET_ACCEPTED


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @public
    @blp.doc(operationId="confirmPasswordReset")
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    @blp.raises(LinkInvalid, MfaProofRequired, MfaInvalid, RateLimited)
    def post(self, body: dict) -> None:
        """Set a new password with a mailed reset link; every session of the account ends."""
        services.confirm_password_reset(**body)


@blp.route("/me")
class MyAccount(MethodView):
    @authenticated
    @blp.doc(operationId="updateMe")
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, UserSchema, presenter=user_json)
    def patch(self, body: dict) -> User:
        """Change the caller's own name."""
        return self_service.update_profile(current_principal(), **body)

    @authenticated
    @blp.doc(operationId="closeMyAccount")
    @limiter.limit(password_check_limit, key_func=caller_key)
    @limiter.limit(password_check_limit)
    @blp.arguments(AccountCloseSchema)
    @blp.response(204)
    @blp.raises(WrongPassword, MfaProofRequired, MfaInvalid, LastAdmin, RateLimited)
    def delete(self, body: dict) -> None:
        """Close the caller's account: sessions end, personal data goes, the email is freed."""
        self_service.close_account(current_principal(), **body)


@blp.route("/email")
class Email(MethodView):
    @authenticated
    @blp.doc(operationId="changeEmail")
    @limiter.limit(password_check_limit, key_func=caller_key)
    @limiter.limit(password_check_limit)
    @blp.arguments(EmailChangeSchema)
    @blp.response(202, AcceptedSchema, presenter=accepted)
    @blp.raises(WrongPassword, EmailTaken, RateLimited, MailDisabled)
    def put(self, body: dict) -> dict[str, Any]:
        """Ask to change the email: it changes when the link mailed to the new one is used."""
        self_service.request_email_change(current_principal(), **body)
        return {"detail": "A confirmation link is on its way to the new address."}
