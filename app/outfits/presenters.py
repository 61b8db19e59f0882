"""An outfit as JSON: the columns read for it (its items aggregated in the same statement),
how a row becomes an OutfitRecord, and the function that writes one.

OutfitSchema stays the contract and documents every outfit response; outfit_json writes the
same JSON by hand (tests/outfits/test_outfits.py holds the two equal). Fast path
[presenters]: see docs/performance.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, String, cast, func, select

from app.outfits.models import Outfit, OutfitItem, OutfitRecord
from app.web.fields import rfc3339

_outfits, _items = Outfit.__table__.c, OutfitItem.__table__.c

# Every item of the outfit as "position:clothing_id" pairs joined by commas, in one
# correlated subquery (group_concat on SQLite, string_agg on PostgreSQL). Aggregates keep no
# order on either, so the positions travel along and Python sorts them (items_of).
ITEM_PAIRS = (
    select(
        func.aggregate_strings(
            cast(_items.position, String) + ":" + cast(_items.clothing_id, String), ","
        )
    )
    .where(_items.outfit_id == _outfits.id)
    .scalar_subquery()
    .label("items")
)

# What a read of an outfit selects: its columns, in declared order, then ITEM_PAIRS.
OUTFIT_COLUMNS = (*Outfit.__table__.columns, ITEM_PAIRS)


def items_of(pairs: str | None) -> tuple[int, ...]:
    """The clothing ids of ITEM_PAIRS' text, in position order."""
    if not pairs:
        return ()
    positioned = sorted(tuple(map(int, pair.split(":"))) for pair in pairs.split(","))
    return tuple(clothing_id for _position, clothing_id in positioned)


def record_of(row: Row[Any] | Any) -> OutfitRecord:
    """A row of OUTFIT_COLUMNS as an OutfitRecord."""
    id_, owner_id, name, note, visibility, created, updated, pairs = tuple(row)[:8]
    return OutfitRecord(id_, owner_id, name, note, visibility, created, updated, items_of(pairs))


def outfit_json(outfit: OutfitRecord | Row[Any]) -> dict[str, Any]:
    """The same dict as OutfitSchema().dump(outfit)."""
    if not isinstance(outfit, OutfitRecord):
        outfit = record_of(outfit)
    return {
        "id": outfit.id,
        "owner_id": outfit.owner_id,
        "name": outfit.name,
        "note": outfit.note,
        "visibility": outfit.visibility,
        "items": list(outfit.items),
        "created_at": rfc3339(outfit.created_at),
        "updated_at": rfc3339(outfit.updated_at),
    }


def outfit_page_json(page: dict[str, Any]) -> dict[str, Any]:
    """The same dict as OutfitPageSchema().dump(page)."""
    return {
        "items": [outfit_json(row) for row in page["items"]],
        "next_cursor": page["next_cursor"],
    }
