"""Request and response bodies of the one-time pin routes. Shape only."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.identity.schemas import transport_field
from app.web.fields import Text

PASSWORD_FIELD_MAX = 1024
RECOVERY_CODE_MAX = 64
MFA_TOKEN_MAX = 4096


def code_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=[
            validate.Length(equal=6, error="Must be the 6 digits of the pin."),
            validate.Regexp(r"^[0-9]{6}$", error="Must be the 6 digits of the pin."),
        ],
        metadata={"example": "123456", "description": "The authenticator's current pin."},
        **kwargs,
    )


def recovery_code_field() -> Text:
    return Text(
        validate=validate.Length(min=1, max=RECOVERY_CODE_MAX),
        metadata={"example": "abcd-efgh-ijkl-mnop", "description": "One unused recovery code."},
    )


def current_password_field() -> Text:
    return Text(
        required=True,
        validate=validate.Length(max=PASSWORD_FIELD_MAX),
        metadata={"example": "correct horse battery staple"},
    )


class OneProofSchema(Schema):
    """`code` or `recovery_code`: exactly one."""

    code = code_field()
    recovery_code = recovery_code_field()

    @validates_schema
    def exactly_one(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("code" in data) == ("recovery_code" in data):
            message = "Send exactly one of `code` and `recovery_code`."
            raise ValidationError({"code": [message], "recovery_code": [message]})


class EnrolSchema(Schema):
    current_password = current_password_field()


class ConfirmSchema(Schema):
    code = code_field(required=True)


class ProofSchema(OneProofSchema):
    """The password and a second factor: what turning pins off or new codes need."""

    current_password = current_password_field()


class SecondStepSchema(OneProofSchema):
    mfa_token = Text(
        required=True,
        validate=validate.Length(min=1, max=MFA_TOKEN_MAX),
        metadata={"description": "From POST /auth/login's 401 `mfa_required`."},
    )
    transport = transport_field()


class EnrolmentSchema(Schema):
    secret = fields.String(
        dump_only=True, required=True, metadata={"description": "Base32, 160 bits; shown once."}
    )
    otpauth_uri = fields.String(dump_only=True, required=True)
    qr_svg = fields.String(
        dump_only=True, required=True, metadata={"description": "The URI as a QR code (SVG)."}
    )


class RecoveryCodesSchema(Schema):
    recovery_codes = fields.List(
        fields.String(),
        dump_only=True,
        required=True,
        metadata={"description": "Ten single-use codes, shown once; keep them safe."},
    )
