"""A clothing item of the catalogue.

The CHECK constraints repeat the schema's rules so that no path into the database (the
API, seed-demo, a console) can store a category, size, price or stock the API would refuse.
The (key, id) indexes serve each sort order of GET /clothes in both directions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime, utcnow
from app.extensions import Model

CATEGORIES = ("tops", "bottoms", "dresses", "outerwear", "shoes", "accessories")
SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL")
PRICE_LIMIT = Decimal("1000000")  # exclusive
STOCK_MAX = 1_000_000
NAME_MAX, COLOR_MAX, PHOTO_URL_MAX, DESCRIPTION_MAX = 120, 30, 500, 2000


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class ClothingItem(Model):
    __tablename__ = "clothes"
    __table_args__ = (
        CheckConstraint(_one_of("category", CATEGORIES), name="category_known"),
        CheckConstraint(_one_of("size", SIZES), name="size_known"),
        CheckConstraint(f"price >= 0 AND price < {PRICE_LIMIT}", name="price_range"),
        CheckConstraint(f"stock >= 0 AND stock <= {STOCK_MAX}", name="stock_range"),
        Index("ix_clothes_name_id", "name", "id"),
        Index("ix_clothes_price_id", "price", "id"),
        Index("ix_clothes_created_at_id", "created_at", "id"),
        # Never reuse the id of a deleted item (SQLite reuses the highest one otherwise),
        # so an old link or cursor can never name a different item.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    category: Mapped[str] = mapped_column(String(16), index=True)
    size: Mapped[str] = mapped_column(String(4), index=True)
    color: Mapped[str] = mapped_column(String(COLOR_MAX))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2, asdecimal=True))
    stock: Mapped[int] = mapped_column(default=0)
    photo_url: Mapped[str | None] = mapped_column(String(PHOTO_URL_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    # Optimistic concurrency: every UPDATE and DELETE says `WHERE updated_at = <as read>`
    # and sets a new one, so a write based on a version that changed meanwhile fails
    # (StaleDataError) instead of silently overwriting it. See services._write.
    __mapper_args__ = {
        "version_id_col": updated_at,
        "version_id_generator": lambda _version: utcnow(),
    }

    @property
    def etag(self) -> str:
        return etag_of(self)

    def __repr__(self) -> str:
        return f"<ClothingItem {self.id} {self.name!r}>"


def etag_of(item: Any) -> str:
    """A strong ETag (unquoted): a hash of every stored field, so any change gives a new one.

    `item` is a ClothingItem or a row of its columns (read by attribute). `updated_at` is in
    it to the microsecond, so even a write that restores earlier values yields a new tag.
    (The id alone would never change; updated_at alone could repeat within one clock tick.)
    """
    state = "\x1f".join(
        str(value)
        for value in (
            item.id,
            item.name,
            item.category,
            item.size,
            item.color,
            f"{item.price:.2f}",
            item.stock,
            item.photo_url,
            item.description,
            item.created_at.isoformat(),
            item.updated_at.isoformat(),
        )
    )
    return hashlib.sha256(state.encode()).hexdigest()[:32]
