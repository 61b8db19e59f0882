"""/auth for the signed-in account: its user, its sessions, its password."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import Row

from app.auth import queries, services
from app.auth.blueprint import blp
from app.auth.schemas import PasswordChangeSchema, SessionListSchema
from app.errors import NotFound, RateLimited, WrongPassword
from app.extensions import limiter
from app.identity.presenters import user_json
from app.identity.schemas import UserSchema
from app.security.authentication import current_principal
from app.security.authorization import authenticated
from app.security.rate_limits import caller_key, password_check_limit


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
