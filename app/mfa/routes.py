"""/auth/mfa and /auth/login/mfa: one-time pins. Each view declares its policy, validates,
calls one service, returns."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from app.errors import (
    MfaAlreadyEnabled,
    MfaInvalid,
    MfaNotEnabled,
    MfaNotPending,
    RateLimited,
    ServiceUnavailable,
    TokenInvalid,
    WrongPassword,
)
from app.extensions import limiter
from app.identity.schemas import TokenPairSchema
from app.mfa import services
from app.mfa.schemas import (
    ConfirmSchema,
    EnrolmentSchema,
    EnrolSchema,
    ProofSchema,
    RecoveryCodesSchema,
    SecondStepSchema,
)
from app.security import cookies
from app.security.authentication import current_principal
from app.security.authorization import authenticated, public
from app.security.rate_limits import LOGIN_SCOPE, caller_key, login_limit, password_check_limit
from app.web.blueprint import Blueprint

blp = Blueprint(
    "mfa", __name__, url_prefix="/auth", description="One-time pins (TOTP), recovery codes."
)


@blp.route("/mfa/totp")
class Totp(MethodView):
    @authenticated
    @blp.doc(operationId="startTotpEnrolment")
    @limiter.limit(password_check_limit, key_func=caller_key)
    @limiter.limit(password_check_limit)
    @blp.arguments(EnrolSchema)
    @blp.response(201, EnrolmentSchema)
    @blp.raises(WrongPassword, MfaAlreadyEnabled, RateLimited)
    def post(self, body: dict) -> dict[str, str]:
        """Start enrolment: a new secret, its otpauth:// URI and QR code. Nothing is on yet."""
        return services.start_enrolment(current_principal(), **body)

    @authenticated
    @blp.doc(operationId="turnOffTotp")
    @limiter.limit(password_check_limit, key_func=caller_key)
    @limiter.limit(password_check_limit)
    @blp.arguments(ProofSchema)
    @blp.response(204)
    @blp.raises(WrongPassword, MfaNotEnabled, MfaInvalid, RateLimited)
    def delete(self, body: dict) -> None:
        """Turn one-time pins off (password and a pin or recovery code); other sessions end."""
        services.turn_off(current_principal(), **body)


@blp.route("/mfa/totp/confirm")
class TotpConfirm(MethodView):
    @authenticated
    @blp.doc(operationId="confirmTotpEnrolment")
    @limiter.limit(password_check_limit, key_func=caller_key)
    @limiter.limit(password_check_limit)
    @blp.arguments(ConfirmSchema)
    @blp.response(200, RecoveryCodesSchema)
    @blp.raises(MfaAlreadyEnabled, MfaNotPending, MfaInvalid, RateLimited)
    def post(self, body: dict) -> dict[str, list[str]]:
        """Turn one-time pins on with a first pin: ten recovery codes; other sessions end."""
        return services.confirm_enrolment(current_principal(), **body)


@blp.route("/mfa/recovery-codes")
class RecoveryCodes(MethodView):
    @authenticated
    @blp.doc(operationId="renewRecoveryCodes")
    @limiter.limit(password_check_limit, key_func=caller_key)
    @limiter.limit(password_check_limit)
    @blp.arguments(ProofSchema)
    @blp.response(200, RecoveryCodesSchema)
    @blp.raises(WrongPassword, MfaNotEnabled, MfaInvalid, RateLimited)
    def post(self, body: dict) -> dict[str, list[str]]:
        """A new set of recovery codes (password and a pin or recovery code); the old is void."""
        return services.new_recovery_codes(current_principal(), **body)


@blp.route("/login/mfa")
class LoginSecondStep(MethodView):
    @public
    @blp.doc(operationId="logInSecondStep")
    @limiter.shared_limit(login_limit, scope=LOGIN_SCOPE)
    @blp.arguments(SecondStepSchema)
    @blp.response(200, TokenPairSchema)
    @blp.raises(MfaInvalid, TokenInvalid, RateLimited, ServiceUnavailable)
    def post(self, body: dict) -> Any:
        """The second step of a login: the mfa_token and a pin (or recovery code) -> tokens
        (or, with `"transport": "cookie"`, cookies)."""
        pair = services.complete_login(
            mfa_token=body["mfa_token"],
            code=body.get("code"),
            recovery_code=body.get("recovery_code"),
            user_agent=request.headers.get("User-Agent", ""),
            ip=request.remote_addr or "",
        )
        return cookies.answer(pair, body["transport"])
