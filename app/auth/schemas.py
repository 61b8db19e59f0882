"""Request and response bodies of /auth. Shape only: the password policy lives in services."""

from marshmallow import Schema, fields, validate

from app.web.fields import Email, Text, UtcDateTime

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


class RegisterSchema(Schema):
    email = email_field()
    password = password_field(description="8 to 128 characters, not a common password.")
    name = Text(trim=True, load_default="", validate=validate.Length(max=NAME_MAX))


class LoginSchema(Schema):
    # Normalised as at registration, but not refused for mixed scripts: an account stored
    # before that rule can still log in, and an unknown look-alike is a plain 401.
    email = email_field(refuse_mixed_scripts=False)
    password = password_field()


class PasswordChangeSchema(Schema):
    current_password = password_field()
    new_password = password_field(description="Same policy as at registration.")


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Access token seconds."})


class SessionSchema(Schema):
    id = fields.Integer()
    created_at = UtcDateTime()
    last_used_at = UtcDateTime()
    user_agent = fields.String()
    ip = fields.String()
    current = fields.Boolean()


class SessionListSchema(Schema):
    items = fields.List(fields.Nested(SessionSchema))
