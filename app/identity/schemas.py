"""The public face of a user, shared by /auth/me and the /users administration."""

from marshmallow import Schema, fields

from app.identity.models import ROLES
from app.web.fields import UtcDateTime
from app.web.openapi import enum_component


class UserSchema(Schema):
    """Never a password or hash: those fields do not exist here."""

    id = fields.Integer(dump_only=True, required=True)
    email = fields.String(dump_only=True, required=True)
    name = fields.String(dump_only=True, required=True)
    role = fields.String(
        dump_only=True, required=True, metadata={"enum": list(ROLES), **enum_component("Role")}
    )
    is_active = fields.Boolean(dump_only=True, required=True)
    created_at = UtcDateTime(dump_only=True, required=True)
