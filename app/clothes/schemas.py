"""Request and response bodies of /clothes: shapes and bounds only, never a query."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from app.clothes.models import (
    CATEGORIES,
    COLOR_MAX,
    DESCRIPTION_MAX,
    NAME_MAX,
    PHOTO_URL_MAX,
    PRICE_LIMIT,
    SIZES,
    STOCK_MAX,
)
from app.pagination import PageArgsSchema, sort_field
from app.web.fields import QueryBoolean, StrictInteger, Text, UtcDateTime

CENT = Decimal("0.01")
# Digits, optionally a point and more digits: no exponent, sign, spaces or underscores
# (all of which Python's Decimal() would otherwise accept).
PRICE_STRING = re.compile(r"[0-9]+(\.[0-9]+)?")


class Price(fields.Field):
    """A price: a decimal >= 0 and < 1,000,000 with at most two decimal places.

    Read from a JSON number (19.9) or string ("19.90"); `true`, NaN and exponents in
    strings are refused. Written as a string with two decimals, so no client has to trust
    a binary float with money.
    """

    default_error_messages = {
        "invalid": 'Not a valid price: send a number like 19.9 or a string like "19.90".',
        "range": f"Must be at least 0 and less than {PRICE_LIMIT}.",
        "places": "At most 2 decimal places.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:  # noqa: ARG002
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("invalid")
        if isinstance(value, str) and not PRICE_STRING.fullmatch(value):
            raise self.make_error("invalid")
        # str() of a float is its shortest round-tripping form: 19.9 -> "19.9", not 19.899…
        amount = Decimal(value if isinstance(value, str) else str(value))
        if not 0 <= amount < PRICE_LIMIT:
            raise self.make_error("range")
        if amount != amount.quantize(CENT):
            raise self.make_error("places")
        return amount.quantize(CENT)

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any):  # noqa: ARG002
        return None if value is None else f"{value:.2f}"


class ClothingItemSchema(Schema):
    """POST and PUT bodies, and every item response.

    id and the timestamps are dump-only, so a body that sends them is refused (422) like
    any other unknown field.
    """

    id = fields.Integer(dump_only=True)
    name = Text(trim=True, required=True, validate=validate.Length(min=1, max=NAME_MAX))
    category = Text(required=True, validate=validate.OneOf(CATEGORIES))
    size = Text(required=True, validate=validate.OneOf(SIZES))
    color = Text(trim=True, required=True, validate=validate.Length(min=1, max=COLOR_MAX))
    price = Price(
        required=True,
        metadata={
            "type": "string",
            "example": "19.90",
            "description": "Sent as a JSON number or string; always returned as a string.",
        },
    )
    stock = StrictInteger(load_default=0, validate=validate.Range(min=0, max=STOCK_MAX))
    photo_url = Text(
        load_default=None,
        allow_none=True,
        validate=[
            validate.Length(max=PHOTO_URL_MAX),
            validate.URL(schemes={"http", "https"}, require_tld=False),
        ],
    )
    description = Text(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)


class ClothingItemUpdateSchema(ClothingItemSchema):
    """PATCH body: any subset of the fields; what is omitted keeps its value (no defaults)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ClothesQueryArgsSchema(PageArgsSchema):
    CURSOR_SCOPE = "clothes"

    sort = sort_field("id", "name", "price", "created_at")
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    size = fields.String(validate=validate.OneOf(SIZES))
    color = Text(
        validate=validate.Length(min=1, max=COLOR_MAX),
        metadata={"description": "Exact color, case-insensitive."},
    )
    min_price = fields.Decimal(validate=validate.Range(min=0, max=PRICE_LIMIT))
    max_price = fields.Decimal(validate=validate.Range(min=0, max=PRICE_LIMIT))
    in_stock = QueryBoolean(metadata={"description": "true: stock > 0; false: stock = 0."})
    q = Text(
        validate=validate.Length(max=NAME_MAX),
        metadata={"description": "Substring of the name, case-insensitive."},
    )


class ClothingItemPageSchema(Schema):
    items = fields.List(fields.Nested(ClothingItemSchema))
    next_cursor = fields.String(allow_none=True)
