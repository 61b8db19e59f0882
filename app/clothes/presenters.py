"""An item as JSON: the columns read for it, their SELECT and the function that writes them.

ClothingItemSchema stays the contract: it documents every item response in the OpenAPI
document. Fast path [presenters]: see docs/performance.md. Dumping through the
schema costs marshmallow about 110 field calls per item, so `item_json` writes the same JSON
by hand, field for field; tests/catalogue/test_presenters.py keeps the two in agreement.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from sqlalchemy import Row, bindparam, select

from app.clothes.models import ClothingItem
from app.web.fields import rfc3339

# What a read of an item selects (queries.py): every column of the table, in declared order.
ITEM_COLUMNS = tuple(ClothingItem.__table__.columns)

# GET /clothes/{id}: one item, built once, read as plain columns.
ITEM_BY_ID = select(*ITEM_COLUMNS).where(ClothingItem.id == bindparam("item_id"))

_item_values = attrgetter(*(column.key for column in ITEM_COLUMNS))


def item_json(item: Row[Any] | ClothingItem) -> dict[str, Any]:
    """The same dict as ClothingItemSchema().dump(item), for a row of ITEM_COLUMNS or an item.

    Fast path [positional-rows]: see docs/performance.md. A row is unpacked by position:
    reading 11 attributes of a result row by name cost more than all the formatting here.
    A ClothingItem object (after a write) is not iterable, so it takes the second branch;
    a column added to the table makes the unpacking fail loudly, in every list test.
    """
    try:
        id_, name, category, size, color, price, stock, photo, desc, created, updated = item  # type: ignore[misc]
    except TypeError:
        values = _item_values(item)
        id_, name, category, size, color, price, stock, photo, desc, created, updated = values
    return {
        "id": id_,
        "name": name,
        "category": category,
        "size": size,
        "color": color,
        "price": f"{price:.2f}",
        "stock": stock,
        "photo_url": photo,
        "description": desc,
        "created_at": rfc3339(created),
        "updated_at": rfc3339(updated),
    }


def page_json(page: dict[str, Any]) -> dict[str, Any]:
    """The same dict as ClothingItemPageSchema().dump(page)."""
    return {
        "items": [item_json(row) for row in page["items"]],
        "next_cursor": page["next_cursor"],
    }
