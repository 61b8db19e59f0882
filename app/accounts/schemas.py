"""Request bodies of the account self-service endpoints. Shape only: rules live in services."""

from marshmallow import Schema, fields, validate

from app.identity.links import TOKEN_MAX
from app.identity.schemas import NAME_MAX, email_field, password_field
from app.web.fields import Text

CODE_MAX = 64


def token_field() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=TOKEN_MAX),
        metadata={"description": "The token from the mailed link (after `#token=`)."},
    )


def second_factor_code(description: str) -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, max=CODE_MAX), metadata={"description": description}
    )


class LinkTokenSchema(Schema):
    token = token_field()


class PasswordResetRequestSchema(Schema):
    # Normalised as at login: an unknown look-alike simply gets nothing.
    email = email_field(refuse_mixed_scripts=False)


class PasswordResetConfirmSchema(Schema):
    token = token_field()
    new_password = password_field(description="Same policy as at registration.")
    code = second_factor_code("A code of the second factor, when the account has it on.")
    recovery_code = second_factor_code("A recovery code, instead of `code`.")


class ProfileUpdateSchema(Schema):
    name = Text(trim=True, validate=validate.Length(max=NAME_MAX))


class EmailChangeSchema(Schema):
    current_password = password_field()
    new_email = email_field()


class AccountCloseSchema(Schema):
    current_password = password_field()
    code = second_factor_code("A code of the second factor, when the account has it on.")


class AcceptedSchema(Schema):
    detail = fields.String(required=True, dump_only=True)
