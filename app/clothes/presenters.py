"""Items as JSON, built by hand on the hot path (GET /clothes).

ClothingItemSchema stays the contract: it validates input and documents every response in
the OpenAPI document. Dumping 20 items through it costs marshmallow about 110 field calls
per item, which was the largest share of a list request (docs/performance.md); these plain
functions write the same JSON, field for field, and tests/catalogue/test_presenters.py keeps the two
in agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.fields import rfc3339


def item_json(row: Sequence[Any]) -> dict[str, Any]:
    """The same dict as ClothingItemSchema().dump(item), from a row of services.CLOTHES.

    The row holds the table's columns in their declared order and is unpacked by position:
    reading 11 attributes of a result row by name cost more than all the formatting here.
    A column added to the table makes the unpacking fail loudly, in every list test.
    """
    (id_, name, category, size, color, price, stock, photo_url, description, created, updated) = row
    return {
        "id": id_,
        "name": name,
        "category": category,
        "size": size,
        "color": color,
        "price": f"{price:.2f}",
        "stock": stock,
        "photo_url": photo_url,
        "description": description,
        "created_at": rfc3339(created),
        "updated_at": rfc3339(updated),
    }


def page_json(page: dict[str, Any]) -> dict[str, Any]:
    """The same dict as ClothingItemPageSchema().dump(page)."""
    return {
        "items": [item_json(row) for row in page["items"]],
        "next_cursor": page["next_cursor"],
    }
