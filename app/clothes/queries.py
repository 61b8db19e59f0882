"""The catalogue's hot reads: plain columns through SQLAlchemy Core, never a write.

Writes (and reads that feed them) are in services.py, through db.session. The rows read
here hold ITEM_COLUMNS, which presenters.item_json writes as JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Row, String, bindparam, func

from app.clothes.models import ClothingItem
from app.clothes.presenters import ITEM_BY_ID, ITEM_COLUMNS
from app.database import read
from app.errors import NotFound
from app.pagination import LIKE_ESCAPE, Listing, PageRequest, like_escaped

_clothes = ClothingItem.__table__.c

# GET /clothes: each filter is a condition on a bound parameter of its own name.
CLOTHES = Listing(
    ClothingItem.__table__,
    columns=ITEM_COLUMNS,
    filters={
        "category": _clothes.category == bindparam("category"),
        "size": _clothes.size == bindparam("size"),
        # lower() on both sides, so the database's own idea of case applies to both.
        "color": func.lower(_clothes.color) == func.lower(bindparam("color", type_=String)),
        "min_price": _clothes.price >= bindparam("min_price"),
        "max_price": _clothes.price <= bindparam("max_price"),
        "in_stock": (_clothes.stock > 0) == bindparam("in_stock", type_=Boolean),
        "q": _clothes.name.icontains(bindparam("q"), escape=LIKE_ESCAPE),
    },
)


def list_items(
    *,
    page: PageRequest,
    category: str | None = None,
    size: str | None = None,
    color: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """One page of the items matching every given filter: {"items", "next_cursor"}."""
    filters = {
        "category": category,
        "size": size,
        "color": color,
        "min_price": min_price,
        "max_price": max_price,
        "in_stock": in_stock,
        "q": like_escaped(q) if q else None,  # an empty q filters nothing
    }
    return CLOTHES.page(page, filters)


def get_item(item_id: int) -> Row[Any]:
    """The item's columns. Raises NotFound: no item has this id."""
    item = read(ITEM_BY_ID, {"item_id": item_id}).one_or_none()
    if item is None:
        raise NotFound("No clothing item has this id.")
    return item
