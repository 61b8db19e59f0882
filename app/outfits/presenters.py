"""An outfit as JSON: the columns read for it (its items aggregated in the same statement),
how a row becomes an OutfitRecord, and the function that writes one.

OutfitSchema stays the contract and documents every outfit response; outfit_json writes the
same JSON by hand (tests/outfits/test_outfits.py holds the two equal). Fast path
[presenters]: see docs/performance.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, String, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.outfits.models import Outfit, OutfitItem, OutfitRecord
from app.web.fields import rfc3339

_outfits, _items = Outfit.__table__.c, OutfitItem.__table__.c


class ItemPairs(FunctionElement[str]):
    """Every item of the outfit as "position:clothing_id" pairs joined by commas.

    group_concat on SQLite, string_agg on PostgreSQL; written out per dialect so the
    separators are SQL literals, not bound parameters (SQLAlchemy's aggregate_strings
    renders its separator anew on every execution). Aggregates keep no promised order on
    SQLite, so the positions travel along (items_of).
    """

    type = String()
    inherit_cache = True


@compiles(ItemPairs)  # SQLite, and str() of a statement
def _pairs_on_sqlite(_element: ItemPairs, compiler: Any, **kw: Any) -> str:
    position, clothing_id = (
        compiler.process(c, **kw) for c in (_items.position, _items.clothing_id)
    )
    return f"group_concat({position} || ':' || {clothing_id}, ',')"


@compiles(ItemPairs, "postgresql")
def _pairs_on_postgresql(_element: ItemPairs, compiler: Any, **kw: Any) -> str:
    position, clothing_id = (
        compiler.process(c, **kw) for c in (_items.position, _items.clothing_id)
    )
    return f"string_agg({position} || ':' || {clothing_id}, ',' ORDER BY {position})"


# One correlated subquery per outfit, in the same statement as the outfit's columns.
ITEM_PAIRS = (
    select(ItemPairs()).where(_items.outfit_id == _outfits.id).scalar_subquery().label("items")
)

# What a read of an outfit selects: its columns, in declared order, then ITEM_PAIRS.
OUTFIT_COLUMNS = (*Outfit.__table__.columns, ITEM_PAIRS)


def items_of(pairs: str | None) -> list[int]:
    """The clothing ids of ITEM_PAIRS' text, in position order.

    The database usually hands the pairs over in position order already (it reads them
    from the primary key's index), so the numbers are only sorted when they are not.
    """
    if not pairs:
        return []
    numbers = list(map(int, pairs.replace(":", ",").split(",")))
    positions, ids = numbers[0::2], numbers[1::2]
    if positions == sorted(positions):
        return ids
    return [clothing_id for _position, clothing_id in sorted(zip(positions, ids, strict=True))]


def record_of(row: Row[Any] | Any) -> OutfitRecord:
    """A row of OUTFIT_COLUMNS as an OutfitRecord."""
    id_, owner_id, name, note, visibility, created, updated, pairs = tuple(row)[:8]
    items = tuple(items_of(pairs))
    return OutfitRecord(id_, owner_id, name, note, visibility, created, updated, items)


def outfit_json(outfit: OutfitRecord | Row[Any]) -> dict[str, Any]:
    """The same dict as OutfitSchema().dump(outfit), for an OutfitRecord or a row of
    OUTFIT_COLUMNS (whose items are still ITEM_PAIRS' text).

    Fast path [positional-rows]: see docs/performance.md. Both unpack by position.
    """
    id_, owner_id, name, note, visibility, created, updated, items = outfit  # type: ignore[misc]
    return {
        "id": id_,
        "owner_id": owner_id,
        "name": name,
        "note": note,
        "visibility": visibility,
        "items": list(items) if isinstance(items, tuple) else items_of(items),
        "created_at": rfc3339(created),
        "updated_at": rfc3339(updated),
    }


def outfit_page_json(page: dict[str, Any]) -> dict[str, Any]:
    """The same dict as OutfitPageSchema().dump(page)."""
    return {
        "items": [outfit_json(row) for row in page["items"]],
        "next_cursor": page["next_cursor"],
    }
