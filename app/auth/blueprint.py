"""The /auth blueprint and what its two route modules share: the caller's client, the limits."""

from __future__ import annotations

from flask import current_app, request

from app.auth import services
from app.security.authentication import current_principal
from app.web.blueprint import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Accounts, tokens, sessions.")

# POST /auth/login and POST /auth/token spend one LOGIN_RATE_LIMIT budget per address: the
# token endpoint is the same login under OAuth's names, not a second allowance of guesses.
LOGIN_SCOPE = "login"


def client_info() -> services.ClientInfo:
    return services.ClientInfo(
        user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr or ""
    )


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def password_change_limit() -> str:
    return current_app.config["PASSWORD_CHANGE_RATE_LIMIT"]


def caller_key() -> str:
    """The rate-limit key of the authenticated caller: one budget per user, on any address."""
    return f"user:{current_principal().user_id}"
