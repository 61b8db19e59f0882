"""Request and response bodies of /auth. Shape only: the password policy lives in services."""

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.auth.oauth import InvalidTokenRequest
from app.identity.schemas import (
    NAME_MAX,
    BearerPairSchema,
    email_field,
    password_field,
    transport_field,
)
from app.web.fields import Text, UtcDateTime


class RegisterSchema(Schema):
    email = email_field()
    password = password_field(description="8 to 128 characters, not a common password.")
    name = Text(trim=True, load_default="", validate=validate.Length(max=NAME_MAX))


class LoginSchema(Schema):
    # Normalised as at registration, but not refused for mixed scripts: an account stored
    # before that rule can still log in, and an unknown look-alike is a plain 401.
    email = email_field(refuse_mixed_scripts=False)
    password = password_field()
    transport = transport_field()


class TokenRequestSchema(Schema):
    """POST /auth/token's form (RFC 6749 section 4.3): the login's fields under OAuth's names.

    Other form fields (`scope`, `client_id`, ...) are ignored, as RFC 6749 lets a server do.
    A form this refuses is a 400 carrying OAuth's `error` (InvalidTokenRequest), not a 422.
    """

    class Meta:
        unknown = EXCLUDE

    grant_type = fields.String(required=True, validate=validate.OneOf(["password"]))
    username = email_field(refuse_mixed_scripts=False)
    password = password_field()

    def handle_error(self, error: ValidationError, *_args: Any, **_kwargs: Any) -> None:
        """Raises InvalidTokenRequest: `unsupported_grant_type` when `grant_type` is missing
        or not "password", else `invalid_request` (a missing or malformed username or password).
        """
        messages = error.normalized_messages()
        oauth_error = "unsupported_grant_type" if "grant_type" in messages else "invalid_request"
        raise InvalidTokenRequest(messages, oauth_error=oauth_error)


class IntrospectionRequestSchema(Schema):
    """POST /auth/introspect's body (RFC 7662 section 2.1), as a form or as JSON.

    `token_type_hint` is accepted and ignored (only access tokens can be active); other
    fields are ignored, as RFC 7662 lets a server do. A body this refuses is a 400 with
    `errors` and OAuth's `error`: `invalid_request`.
    """

    class Meta:
        unknown = EXCLUDE

    token = Text(required=True, metadata={"description": "The token to check."})
    token_type_hint = fields.String(metadata={"description": "Ignored.", "example": "access_token"})

    def handle_error(self, error: ValidationError, *_args: Any, **_kwargs: Any) -> None:
        """Raises InvalidTokenRequest (400 `validation_error`, OAuth `invalid_request`)."""
        raise InvalidTokenRequest(error.normalized_messages(), oauth_error="invalid_request")


class IntrospectionSchema(Schema):
    """RFC 7662 section 2.2: `{"active": false}` alone, or a live access token's claims."""

    active = fields.Boolean(required=True)
    sub = fields.String(metadata={"description": "The user's id."})
    role = fields.String(metadata={"description": "The user's current role."})
    sid = fields.Integer(metadata={"description": "The session's id."})
    amr = fields.List(fields.String(), metadata={"description": '["pwd"] or ["pwd", "otp"].'})
    exp = fields.Integer(metadata={"description": "Expires at (Unix seconds)."})
    iat = fields.Integer(metadata={"description": "Issued at (Unix seconds)."})
    iss = fields.String(metadata={"description": "The issuer."})
    aud = fields.String(metadata={"description": "The audience."})
    token_type = fields.String(validate=validate.OneOf(["access"]))


class PasswordChangeSchema(Schema):
    current_password = password_field()
    new_password = password_field(description="Same policy as at registration.")


class TokenInfoSchema(Schema):
    """The verified claims of the caller's access token, under their JWT names."""

    sub = fields.String(required=True, metadata={"description": "The user's id."})
    sid = fields.Integer(required=True, metadata={"description": "The session's id."})
    role = fields.String(required=True)
    type = fields.String(required=True, metadata={"example": "access"})
    jti = fields.String(required=True, metadata={"description": "The token's unique id."})
    iat = fields.Integer(required=True, metadata={"description": "Issued at (Unix seconds)."})
    exp = fields.Integer(required=True, metadata={"description": "Expires at (Unix seconds)."})
    amr = fields.List(
        fields.String(),
        required=True,
        metadata={"description": 'How the login was proven: ["pwd"] or ["pwd", "otp"].'},
    )
    transport = fields.String(
        required=True,
        validate=validate.OneOf(["header", "cookie"]),
        metadata={"description": "How this request carried the token."},
    )


class TokenGrantSchema(BearerPairSchema):
    """POST /auth/token's answer (RFC 6749 section 5.1)."""

    token_type = fields.String(required=True, validate=validate.OneOf(["bearer"]))


class SessionSchema(Schema):
    id = fields.Integer()
    created_at = UtcDateTime()
    last_used_at = UtcDateTime()
    user_agent = fields.String()
    ip = fields.String()
    amr = fields.List(
        fields.String(validate=validate.OneOf(["pwd", "otp"])),
        metadata={"description": 'How the login was proven (RFC 8176): ["pwd"] or ["pwd", "otp"].'},
    )
    current = fields.Boolean()


class SessionListSchema(Schema):
    items = fields.List(fields.Nested(SessionSchema))
