"""/auth: each view declares its policy, validates, calls one service, returns."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from sqlalchemy import Row

from app.auth import oauth, queries, services
from app.auth.oauth import EmailUnverifiedGrant, GrantNeedsMfa, InvalidGrant, InvalidTokenRequest
from app.auth.schemas import (
    LoginSchema,
    PasswordChangeSchema,
    RegisterSchema,
    SessionListSchema,
    TokenGrantSchema,
    TokenPairSchema,
    TokenRequestSchema,
)
from app.errors import (
    EmailTaken,
    EmailUnverified,
    InvalidCredentials,
    MfaRequired,
    NotFound,
    RateLimited,
    RefreshReused,
    ServiceUnavailable,
    WrongPassword,
)
from app.extensions import limiter
from app.identity.models import User
from app.identity.presenters import user_json
from app.identity.schemas import UserSchema
from app.security.authentication import current_principal
from app.security.authorization import authenticated, public, refresh_token_required
from app.security.rate_limits import (
    LOGIN_SCOPE,
    caller_key,
    login_limit,
    password_check_limit,
    register_limit,
)
from app.security.tokens import TokenPair
from app.web.blueprint import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Accounts, tokens, sessions.")


def client_info() -> services.ClientInfo:
    return services.ClientInfo(
        user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr or ""
    )


@blp.route("/register")
class Register(MethodView):
    @public
    @blp.doc(operationId="register")
    @limiter.limit(register_limit)
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema, presenter=user_json)
    @blp.raises(EmailTaken, RateLimited, ServiceUnavailable)
    def post(self, body: dict) -> User:
        """Create an account (role "user")."""
        return services.register_user(**body)


@blp.route("/login")
class Login(MethodView):
    @public
    @blp.doc(operationId="logIn")
    @limiter.shared_limit(login_limit, scope=LOGIN_SCOPE)
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.raises(InvalidCredentials, MfaRequired, EmailUnverified, RateLimited, ServiceUnavailable)
    def post(self, body: dict) -> TokenPair:
        """Exchange email and password for tokens (or, with one-time pins on, an mfa_token)."""
        return services.log_in(**body, client=client_info())


@blp.route("/token")
class Token(MethodView):
    @public
    @blp.doc(operationId="grantToken")
    @limiter.shared_limit(login_limit, scope=LOGIN_SCOPE)
    @blp.arguments(TokenRequestSchema, location="form", error_status_code=400)
    @blp.response(200, TokenGrantSchema)
    # 400 `invalid_credentials` (OAuth's `invalid_grant`) or `validation_error` (a bad form).
    @blp.raises(
        InvalidGrant,
        GrantNeedsMfa,
        EmailUnverifiedGrant,
        InvalidTokenRequest,
        RateLimited,
        ServiceUnavailable,
    )
    def post(self, form: dict) -> TokenPair:
        """OAuth 2 password grant (Swagger UI's Authorize): a login from a form."""
        return oauth.grant_password(
            username=form["username"], password=form["password"], client=client_info()
        )


@blp.route("/refresh")
class Refresh(MethodView):
    @refresh_token_required
    @blp.doc(operationId="refreshTokens")
    @blp.no_body
    @blp.response(200, TokenPairSchema)
    @blp.raises(RefreshReused)
    def post(self) -> TokenPair:
        """Trade the refresh token for a new pair; the old refresh token dies."""
        return services.refresh_tokens(current_principal(), client=client_info())


@blp.route("/logout")
class Logout(MethodView):
    @authenticated
    @blp.doc(operationId="logOut")
    @blp.no_body
    @blp.response(204)
    def post(self) -> None:
        """End this session: its access and refresh tokens stop working."""
        services.log_out(current_principal())


@blp.route("/logout-all")
class LogoutAll(MethodView):
    @authenticated
    @blp.doc(operationId="logOutEverywhere")
    @blp.no_body
    @blp.response(204)
    def post(self) -> None:
        """End every session of the caller."""
        services.log_out_everywhere(current_principal())


@blp.route("/me")
class Me(MethodView):
    @authenticated
    @blp.doc(operationId="getMe")
    @blp.response(200, UserSchema, presenter=user_json)
    def get(self) -> Row[Any]:
        """The caller's own user."""
        return queries.my_profile(current_principal())


@blp.route("/sessions")
class Sessions(MethodView):
    @authenticated
    @blp.doc(operationId="listSessions")
    @blp.response(200, SessionListSchema)
    def get(self) -> dict[str, list[dict]]:
        """The caller's live sessions, newest first."""
        return {"items": services.list_sessions(current_principal())}


@blp.route("/sessions/<id:session_id>")
class SessionById(MethodView):
    @authenticated
    @blp.doc(operationId="endSession")
    @blp.no_body
    @blp.response(204)
    @blp.raises(NotFound)
    def delete(self, session_id: int) -> None:
        """End one of the caller's sessions (the calling one included)."""
        services.end_session(current_principal(), session_id)


@blp.route("/password")
class Password(MethodView):
    @authenticated
    @blp.doc(operationId="changePassword")
    # Every attempt counts, per user and per address: each costs an argon2 verification, and
    # a wrong `current_password` (403) or a right one with a bad new password (422) answers a
    # guess, so counting only one kind would leave the other as an unlimited oracle.
    @limiter.limit(password_check_limit, key_func=caller_key)
    @limiter.limit(password_check_limit)
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.raises(WrongPassword, RateLimited)
    def put(self, body: dict) -> None:
        """Change the password; every other session ends."""
        services.change_password(current_principal(), **body)
