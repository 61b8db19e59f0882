"""/users: user administration, admins only. Views stay thin."""

from __future__ import annotations

from flask.views import MethodView

from app.identity.schemas import UserSchema
from app.parsing import Blueprint
from app.security.authorization import admin_required
from app.users import services
from app.users.schemas import UserPageSchema, UsersQueryArgsSchema, UserUpdateSchema

blp = Blueprint("users", __name__, url_prefix="/users", description="User administration.")


@blp.route("")
class Users(MethodView):
    @admin_required
    @blp.arguments(UsersQueryArgsSchema, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args: dict):
        """List users: filtered, sorted, keyset-paginated (follow next_cursor)."""
        return services.list_users(**args)


@blp.route("/<int(min=1, max=2147483647):user_id>")
class UsersById(MethodView):
    @admin_required
    @blp.response(200, UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, user_id: int):
        """One user."""
        return services.get_user(user_id)

    @admin_required
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, body: dict, user_id: int):
        """Change a user's role, active flag or name; deactivation ends their sessions."""
        return services.update_user(user_id, **body)
