"""/users: user administration, admins only. Views stay thin."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import Row

from app.errors import LastAdmin, NotFound
from app.identity.models import User
from app.identity.presenters import user_json, user_page_json
from app.identity.schemas import UserSchema
from app.security.authorization import admin_required
from app.users import queries, services
from app.users.presenters import user_detail_json
from app.users.schemas import (
    UserDetailSchema,
    UserPageSchema,
    UsersQueryArgsSchema,
    UserUpdateSchema,
)
from app.web.blueprint import Blueprint

blp = Blueprint("users", __name__, url_prefix="/users", description="User administration.")


@blp.route("")
class Users(MethodView):
    @admin_required
    @blp.doc(operationId="listUsers")
    @blp.arguments(UsersQueryArgsSchema, location="query")
    @blp.response(200, UserPageSchema, presenter=user_page_json)
    def get(self, args: dict) -> dict[str, Any]:
        """List users: filtered, sorted, keyset-paginated (follow next_cursor)."""
        return queries.list_users(**args)


@blp.route("/<id:user_id>")
class UsersById(MethodView):
    @admin_required
    @blp.doc(operationId="getUser")
    @blp.response(200, UserDetailSchema, presenter=user_detail_json)
    @blp.raises(NotFound)
    def get(self, user_id: int) -> Row[Any]:
        """One user, with how many outfits they own."""
        return queries.get_user(user_id)

    @admin_required
    @blp.doc(operationId="updateUser")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema, presenter=user_json)
    @blp.raises(NotFound, LastAdmin)
    def patch(self, body: dict, user_id: int) -> User:
        """Change a user's role, active flag or name; deactivation ends their sessions."""
        return services.update_user(user_id, **body)


@blp.route("/<id:user_id>/mfa")
class UserSecondFactor(MethodView):
    @admin_required
    @blp.doc(operationId="resetUserMfa")
    @blp.no_body
    @blp.response(204)
    @blp.raises(NotFound)
    def delete(self, user_id: int) -> None:
        """Turn a user's one-time pins off (a lost authenticator); their sessions end."""
        services.reset_second_factor(user_id)
