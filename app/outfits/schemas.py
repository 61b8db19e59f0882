"""Request and response bodies of /outfits: shapes and bounds only, never a query."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.outfits.models import ITEMS_MAX, NAME_MAX, NOTE_MAX, VISIBILITIES
from app.pagination import PageArgsSchema, sort_field
from app.web.blueprint import ID_MAX
from app.web.fields import StrictInteger, Text, UtcDateTime
from app.web.openapi import enum_component

VISIBILITY = enum_component("Visibility")


def no_duplicates(ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise ValidationError("An item may appear only once in an outfit.")


def name_field(**kwargs: Any) -> Text:
    return Text(trim=True, validate=validate.Length(min=1, max=NAME_MAX), **kwargs)


def note_field(**kwargs: Any) -> Text:
    return Text(allow_none=True, validate=validate.Length(max=NOTE_MAX), **kwargs)


def visibility_field(**kwargs: Any) -> Text:
    return Text(validate=validate.OneOf(VISIBILITIES), metadata=VISIBILITY, **kwargs)


def items_field(**kwargs: Any) -> fields.List:
    return fields.List(
        StrictInteger(validate=validate.Range(min=1, max=ID_MAX)),
        validate=[validate.Length(max=ITEMS_MAX), no_duplicates],
        metadata={
            "description": f"Ids of catalogue items, in order: at most {ITEMS_MAX}, each once, "
            "each existing.",
            "uniqueItems": True,
        },
        **kwargs,
    )


class OutfitSchema(Schema):
    """Every outfit response. The server owns id, owner_id and the timestamps (readOnly)."""

    id = fields.Integer(dump_only=True, required=True)
    owner_id = fields.Integer(dump_only=True, required=True)
    name = name_field(required=True)
    note = note_field(required=True)
    visibility = visibility_field(required=True)
    items = items_field(required=True)
    created_at = UtcDateTime(dump_only=True, required=True)
    updated_at = UtcDateTime(dump_only=True, required=True)


class OutfitInputSchema(Schema):
    """POST and PUT bodies: a whole outfit; omitted optional fields take their defaults."""

    name = name_field(required=True)
    note = note_field(load_default=None)
    visibility = visibility_field(load_default="private")
    items = items_field(load_default=list)


class OutfitUpdateSchema(Schema):
    """PATCH body: any subset of the fields. No defaults: what is omitted keeps its value."""

    name = name_field()
    note = note_field()
    visibility = visibility_field()
    items = items_field()


class OutfitsQueryArgsSchema(PageArgsSchema):
    CURSOR_SCOPE = "outfits"

    sort = sort_field("id", "name", "created_at")
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES), metadata=VISIBILITY)


class PublicOutfitsQueryArgsSchema(PageArgsSchema):
    CURSOR_SCOPE = "public-outfits"

    sort = sort_field("id")


class OutfitPageSchema(Schema):
    items = fields.List(fields.Nested(OutfitSchema))
    next_cursor = fields.String(allow_none=True)
