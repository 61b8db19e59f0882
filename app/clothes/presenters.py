"""Items as JSON, built by hand on the hot path (GET /clothes).

ClothingItemSchema stays the contract: it validates input and documents every response in
the OpenAPI document. Dumping 20 items through it costs marshmallow about 110 field calls
per item, which was the largest share of a list request (docs/performance.md); these plain
functions write the same JSON, field for field, and tests/test_presenters.py keeps the two
in agreement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from app.clothes.models import ClothingItem
from app.fields import rfc3339


def item_json(item: ClothingItem | Row) -> dict[str, Any]:
    """The same dict as ClothingItemSchema().dump(item), for a model object or a result row."""
    return {
        "id": item.id,
        "name": item.name,
        "category": item.category,
        "size": item.size,
        "color": item.color,
        "price": f"{item.price:.2f}",
        "stock": item.stock,
        "photo_url": item.photo_url,
        "description": item.description,
        "created_at": rfc3339(item.created_at),
        "updated_at": rfc3339(item.updated_at),
    }


def page_json(page: dict[str, Any]) -> dict[str, Any]:
    """The same dict as ClothingItemPageSchema().dump(page)."""
    return {
        "items": [item_json(item) for item in page["items"]],
        "next_cursor": page["next_cursor"],
    }
