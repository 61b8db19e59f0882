"""The /auth blueprint, and what its two route modules share: the caller's client."""

from __future__ import annotations

from flask import request

from app.auth import services
from app.web.blueprint import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Accounts, tokens, sessions.")


def client_info() -> services.ClientInfo:
    return services.ClientInfo(
        user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr or ""
    )
