"""The public face of a user, shared by /auth/me and the /users administration."""

from marshmallow import Schema, fields

from app.identity.models import ROLES
from app.web.fields import UtcDateTime


class UserSchema(Schema):
    """Never a password or hash: those fields do not exist here."""

    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    role = fields.String(dump_only=True, metadata={"enum": list(ROLES)})
    is_active = fields.Boolean(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
