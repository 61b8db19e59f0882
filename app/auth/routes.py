"""/auth logins and tokens: each view declares its policy, validates, calls one service, returns.

A login or refresh answers in the transport the client chose (`cookies.answer`): the tokens in the
body, or (`"transport": "cookie"`, for browsers) in HttpOnly cookies (app/security/cookies.py).
The account's own routes (/me, /sessions, /password) are in account_routes.py.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.auth import account_routes, introspection, oauth, queries, services
from app.auth.blueprint import blp, client_info
from app.auth.oauth import EmailUnverifiedGrant, GrantNeedsMfa, InvalidGrant, InvalidTokenRequest
from app.auth.schemas import (
    IntrospectionRequestSchema,
    IntrospectionSchema,
    LoginSchema,
    RegisterSchema,
    TokenGrantSchema,
    TokenInfoSchema,
    TokenRequestSchema,
)
from app.errors import (
    EmailTaken,
    EmailUnverified,
    InvalidCredentials,
    MfaRequired,
    RateLimited,
    RefreshReused,
    ServiceUnavailable,
)
from app.extensions import limiter
from app.identity.models import User
from app.identity.presenters import user_json
from app.identity.schemas import TokenPairSchema, UserSchema
from app.security import cookies
from app.security.authentication import current_principal
from app.security.authorization import (
    authenticated,
    client_required,
    public,
    refresh_token_required,
)
from app.security.rate_limits import LOGIN_SCOPE, login_limit, register_limit
from app.security.tokens import TokenPair

__all__ = ["account_routes", "blp"]


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
    def post(self, body: dict) -> Any:
        """Exchange email and password for tokens or cookies (with pins on, an mfa_token)."""
        transport = body.pop("transport")
        return cookies.answer(services.log_in(**body, client=client_info()), transport)


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
    def post(self) -> Any:
        """Trade the refresh token for a new pair (or new cookies); the old one dies."""
        principal = current_principal()
        pair = services.refresh_tokens(principal, client=client_info())
        return cookies.answer(pair, principal.transport)


@blp.route("/logout")
class Logout(MethodView):
    @authenticated
    @blp.doc(operationId="logOut")
    @blp.no_body
    @blp.response(204)
    def post(self) -> None:
        """End this session: its access and refresh tokens (and cookies) stop working."""
        services.log_out(current_principal())
        cookies.clear_after_request()


@blp.route("/logout-all")
class LogoutAll(MethodView):
    @authenticated
    @blp.doc(operationId="logOutEverywhere")
    @blp.no_body
    @blp.response(204)
    def post(self) -> None:
        """End every session of the caller (and clear this browser's cookies)."""
        services.log_out_everywhere(current_principal())
        cookies.clear_after_request()


@blp.route("/token-info")
class TokenInfo(MethodView):
    @authenticated
    @blp.doc(operationId="getTokenInfo")
    @blp.response(200, TokenInfoSchema)
    def get(self) -> dict[str, Any]:
        """The verified claims of the caller's access token (a page cannot read its cookie)."""
        return queries.token_info(current_principal())


@blp.route("/introspect")
class Introspect(MethodView):
    @client_required
    @blp.doc(operationId="introspectToken")
    @blp.arguments(IntrospectionRequestSchema, location="json_or_form", error_status_code=400)
    @blp.response(200, IntrospectionSchema, presenter=dict)
    @blp.raises(InvalidTokenRequest, ServiceUnavailable)
    def post(self, body: dict) -> dict[str, Any]:
        """RFC 7662 introspection for resource servers: is this access token live?"""
        return introspection.introspect(body["token"])
