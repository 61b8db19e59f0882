"""Request and response bodies of /users. Users are dumped with identity's UserSchema."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.identity.models import ROLES
from app.identity.schemas import UserSchema
from app.pagination import PageArgsSchema, sort_field
from app.web.fields import QueryBoolean, StrictBoolean, Text
from app.web.openapi import enum_component

NAME_MAX = 100
QUERY_MAX = 254
ROLE = enum_component("Role")


class UserUpdateSchema(Schema):
    """PATCH /users/{id}: any of role, is_active, name; anything else is refused (422)."""

    role = fields.String(validate=validate.OneOf(ROLES), metadata=ROLE)
    is_active = StrictBoolean()
    name = Text(trim=True, validate=validate.Length(max=NAME_MAX))


class UsersQueryArgsSchema(PageArgsSchema):
    CURSOR_SCOPE = "users"

    sort = sort_field("id", "email", "name", "created_at")
    role = fields.String(validate=validate.OneOf(ROLES), metadata=ROLE)
    is_active = QueryBoolean()
    q = Text(
        validate=validate.Length(max=QUERY_MAX),
        metadata={"description": "Substring of the email or the name, case-insensitive."},
    )


class UserDetailSchema(UserSchema):
    """GET /users/{id}: the user, and what they own, counted (app/identity/owned.py)."""

    outfit_count = fields.Integer(dump_only=True, required=True)


class UserPageSchema(Schema):
    items = fields.List(fields.Nested(UserSchema))
    next_cursor = fields.String(allow_none=True)
