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
from app.web.openapi import enum_component

CENT = Decimal("0.01")
# Digits, optionally a point and more digits: no exponent, sign, spaces or underscores
# (all of which Python's Decimal() would otherwise accept).
PRICE_STRING = re.compile(r"[0-9]+(\.[0-9]+)?")
CATEGORY = enum_component("Category")
SIZE = enum_component("Size")


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


# A price as sent: what Price reads (the range and the two places are checked on top).
PRICE_INPUT = {
    "oneOf": [
        {"type": "string", "pattern": f"^{PRICE_STRING.pattern}$", "example": "19.90"},
        {"type": "number", "minimum": 0, "maximum": int(PRICE_LIMIT), "exclusiveMaximum": True},
    ],
    "description": "A JSON number or string, at least 0, less than 1000000, at most 2 decimals.",
}
PRICE_OUTPUT = {
    "type": "string",
    "pattern": r"^[0-9]+\.[0-9]{2}$",
    "example": "19.90",
    "description": "Always a string with two decimals.",
}


def name_field(**kwargs: Any) -> Text:
    return Text(trim=True, validate=validate.Length(min=1, max=NAME_MAX), **kwargs)


def category_field(**kwargs: Any) -> Text:
    return Text(validate=validate.OneOf(CATEGORIES), metadata=CATEGORY, **kwargs)


def size_field(**kwargs: Any) -> Text:
    return Text(validate=validate.OneOf(SIZES), metadata=SIZE, **kwargs)


def color_field(**kwargs: Any) -> Text:
    return Text(trim=True, validate=validate.Length(min=1, max=COLOR_MAX), **kwargs)


def stock_field(**kwargs: Any) -> StrictInteger:
    return StrictInteger(validate=validate.Range(min=0, max=STOCK_MAX), **kwargs)


def photo_url_field(**kwargs: Any) -> Text:
    return Text(
        allow_none=True,
        validate=[
            validate.Length(max=PHOTO_URL_MAX),
            validate.URL(schemes={"http", "https"}, require_tld=False),
        ],
        **kwargs,
    )


def description_field(**kwargs: Any) -> Text:
    return Text(validate=validate.Length(max=DESCRIPTION_MAX), **kwargs)


class ClothingItemSchema(Schema):
    """Every item response. The server owns id and the timestamps (readOnly)."""

    id = fields.Integer(dump_only=True, required=True)
    name = name_field(required=True)
    category = category_field(required=True)
    size = size_field(required=True)
    color = color_field(required=True)
    price = Price(required=True, metadata=PRICE_OUTPUT)
    stock = stock_field(required=True)
    photo_url = photo_url_field(required=True)
    description = description_field(required=True)
    created_at = UtcDateTime(dump_only=True, required=True)
    updated_at = UtcDateTime(dump_only=True, required=True)


class ClothingItemInputSchema(Schema):
    """POST and PUT bodies: a whole item; omitted optional fields take their defaults.

    id and the timestamps are not fields here, so a body that sends them (a fetched item
    sent back as it is) is refused (422) like any other unknown field.
    """

    name = name_field(required=True)
    category = category_field(required=True)
    size = size_field(required=True)
    color = color_field(required=True)
    price = Price(required=True, metadata=PRICE_INPUT)
    stock = stock_field(load_default=0)
    photo_url = photo_url_field(load_default=None)
    description = description_field(load_default="")


class ClothingItemUpdateSchema(Schema):
    """PATCH body: any subset of the fields. No defaults: what is omitted keeps its value."""

    name = name_field()
    category = category_field()
    size = size_field()
    color = color_field()
    price = Price(metadata=PRICE_INPUT)
    stock = stock_field()
    photo_url = photo_url_field()
    description = description_field()


class ClothesQueryArgsSchema(PageArgsSchema):
    CURSOR_SCOPE = "clothes"

    sort = sort_field("id", "name", "price", "created_at")
    category = fields.String(validate=validate.OneOf(CATEGORIES), metadata=CATEGORY)
    size = fields.String(validate=validate.OneOf(SIZES), metadata=SIZE)
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
