"""/users: user administration, admins only. Views stay thin."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import Row

from app.identity.models import User
from app.identity.owned import count_names
from app.identity.presenters import USER_PUBLIC_COLUMNS, user_json, user_page_json
from app.identity.schemas import UserSchema
from app.security.authorization import admin_required
from app.users import queries, services
from app.users.schemas import (
    UserDetailSchema,
    UserPageSchema,
    UsersQueryArgsSchema,
    UserUpdateSchema,
)
from app.web.blueprint import Blueprint

blp = Blueprint("users", __name__, url_prefix="/users", description="User administration.")


def user_detail_json(row: Row[Any]) -> dict[str, Any]:
    """The same dict as UserDetailSchema().dump(row): user_json, then the owned counts."""
    values = tuple(row)
    shown = len(USER_PUBLIC_COLUMNS)
    counts = zip(count_names(), values[shown:], strict=True)
    return {**user_json(values[:shown]), **dict(counts)}


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
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, user_id: int) -> Row[Any]:
        """One user, with how many outfits they own."""
        return queries.get_user(user_id)

    @admin_required
    @blp.doc(operationId="updateUser")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema, presenter=user_json)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, body: dict, user_id: int) -> User:
        """Change a user's role, active flag or name; deactivation ends their sessions."""
        return services.update_user(user_id, **body)
