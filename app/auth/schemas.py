"""Request and response bodies of /auth. Shape only: the password policy lives in services."""

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.errors import InvalidTokenRequest
from app.identity.schemas import NAME_MAX, email_field, password_field
from app.web.fields import Text, UtcDateTime

TRANSPORTS = ("body", "cookie")


class RegisterSchema(Schema):
    email = email_field()
    password = password_field(description="8 to 128 characters, not a common password.")
    name = Text(trim=True, load_default="", validate=validate.Length(max=NAME_MAX))


class LoginSchema(Schema):
    # Normalised as at registration, but not refused for mixed scripts: an account stored
    # before that rule can still log in, and an unknown look-alike is a plain 401.
    email = email_field(refuse_mixed_scripts=False)
    password = password_field()
    transport = fields.String(
        load_default="body",
        validate=validate.OneOf(TRANSPORTS),
        metadata={
            "description": '"body" (the default): the tokens in the answer, for API clients.'
            ' "cookie": the tokens in HttpOnly cookies, for browsers; the answer holds the'
            " CSRF token every POST, PUT, PATCH and DELETE must send as X-CSRF-Token."
        },
    )


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


class PasswordChangeSchema(Schema):
    current_password = password_field()
    new_password = password_field(description="Same policy as at registration.")


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


class TokenInfoSchema(Schema):
    """The verified claims of the caller's access token, under their JWT names."""

    sub = fields.String(required=True, metadata={"description": "The user's id."})
    sid = fields.Integer(required=True, metadata={"description": "The session's id."})
    role = fields.String(required=True)
    type = fields.String(required=True, metadata={"example": "access"})
    jti = fields.String(required=True, metadata={"description": "The token's unique id."})
    iat = fields.Integer(required=True, metadata={"description": "Issued at (Unix seconds)."})
    exp = fields.Integer(required=True, metadata={"description": "Expires at (Unix seconds)."})
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
    current = fields.Boolean()


class SessionListSchema(Schema):
    items = fields.List(fields.Nested(SessionSchema))
