"""The public face of a user, shared by /auth/me and the /users administration, and the
email and password fields every account form uses, and the token pair every way of logging in
answers with."""

from marshmallow import Schema, fields, validate

from app.identity.models import ROLES
from app.web.fields import Email, Text, UtcDateTime
from app.web.openapi import enum_component

EMAIL_MAX = 254
NAME_MAX = 100
# Long enough for every valid password; longer input is refused before it is hashed.
PASSWORD_FIELD_MAX = 1024


def email_field(*, refuse_mixed_scripts: bool = True) -> Email:
    return Email(
        required=True,
        refuse_mixed_scripts=refuse_mixed_scripts,
        validate=validate.Length(max=EMAIL_MAX),
        metadata={"example": "ada@example.com"},
    )


def password_field(**metadata: str) -> Text:
    return Text(
        required=True,
        validate=validate.Length(max=PASSWORD_FIELD_MAX),
        metadata={"example": "correct horse battery staple", **metadata},
    )


class UserSchema(Schema):
    """Never a password or hash: those fields do not exist here."""

    id = fields.Integer(dump_only=True, required=True)
    email = fields.String(dump_only=True, required=True)
    name = fields.String(dump_only=True, required=True)
    role = fields.String(
        dump_only=True, required=True, metadata={"enum": list(ROLES), **enum_component("Role")}
    )
    is_active = fields.Boolean(dump_only=True, required=True)
    email_verified = fields.Boolean(dump_only=True, required=True)
    created_at = UtcDateTime(dump_only=True, required=True)
    mfa_enabled = fields.Boolean(
        dump_only=True,
        required=True,
        attribute="totp_enabled",
        metadata={"description": "One-time pins (TOTP) are on for this account."},
    )


TRANSPORTS = ("body", "cookie")


def transport_field() -> fields.String:
    """A login's `transport`: where the answer puts the tokens (app/security/cookies.py)."""
    return fields.String(
        load_default="body",
        validate=validate.OneOf(TRANSPORTS),
        metadata={
            "description": '"body" (the default): the tokens in the answer, for API clients.'
            ' "cookie": the tokens in HttpOnly cookies, for browsers; the answer holds the'
            " CSRF token every POST, PUT, PATCH and DELETE must send as X-CSRF-Token."
        },
    )


class BearerPairSchema(Schema):
    """Both tokens in the body (the base of POST /auth/token's answer)."""

    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Access token seconds."})


class TokenPairSchema(Schema):
    """A login's or refresh's answer: the tokens in the body, or (cookie transport) in
    cookies, the body then holding the CSRF token. Its name is the one generated clients know."""

    access_token = fields.String(metadata={"description": 'With "transport": "body".'})
    refresh_token = fields.String(metadata={"description": 'With "transport": "body".'})
    token_type = fields.String(
        required=True,
        metadata={"example": "Bearer", "description": '"Bearer", or "cookie" (cookie transport).'},
    )
    expires_in = fields.Integer(required=True, metadata={"description": "Access token seconds."})
    csrf_token = fields.String(
        metadata={"description": 'With "transport": "cookie": send it as X-CSRF-Token.'}
    )
