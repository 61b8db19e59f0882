"""What the catalogue does, as plain functions: no request, no responses, only domain errors.

Writes, and the reads that feed them, go through db.session; GET's reads are in queries.py.

Writes honour `If-Match`: callers pass the header's entity tags (anything supporting `in`,
where `*` contains every tag) or None when the header was not sent.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Container
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm.exc import StaleDataError

from app.clothes.demo import demo_row
from app.clothes.models import ClothingItem
from app.database import utcnow
from app.errors import NotFound, PreconditionFailed
from app.extensions import db

SEED_BATCH = 5_000
WRITE_ATTEMPTS = 3


def create_item(**fields: Any) -> ClothingItem:
    """Insert an item from validated fields (the schema decides which exist)."""
    item = ClothingItem(**fields)
    db.session.add(item)
    db.session.commit()
    return item


def update_item(item_id: int, *, if_match: Container[str] | None, **fields: Any) -> ClothingItem:
    """Set the given fields: all of them for PUT (defaults filled in), some for PATCH.

    Raises NotFound: no item has this id.
    Raises PreconditionFailed: If-Match was sent and names another version; nothing changes.
    """

    def change(item: ClothingItem) -> None:
        for name, value in fields.items():
            setattr(item, name, value)

    return _write(item_id, if_match, change)


def delete_item(item_id: int, *, if_match: Container[str] | None) -> None:
    """Raises NotFound, PreconditionFailed: as update_item; nothing is deleted then."""
    _write(item_id, if_match, db.session.delete)


def _write(
    item_id: int, if_match: Container[str] | None, change: Callable[[ClothingItem], object]
) -> ClothingItem:
    """Read the item, check If-Match, apply `change`, commit: as one compare-and-set.

    `updated_at` is the mapper's version column, so the UPDATE or DELETE only matches the
    version that was read and checked. If another write landed in between (StaleDataError),
    read again: the If-Match check then sees the new version (412), and a write without
    If-Match is applied to it (last writer wins, as the client asked).
    """
    for _attempt in range(WRITE_ATTEMPTS):
        item = db.session.get(ClothingItem, item_id)
        if item is None:
            raise NotFound("No clothing item has this id.")
        if if_match is not None and item.etag not in if_match:
            db.session.rollback()
            raise PreconditionFailed(
                "The item changed since you read it (If-Match does not match its ETag); "
                "GET it again and retry."
            )
        change(item)
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            continue
        return item
    raise PreconditionFailed("The item kept changing while this write was applied; retry.")


def seed_demo_items(*, count: int, seed: int | None = None) -> int:
    """Insert `count` demo items in bulk (a Core executemany per batch) and commit.

    Running it again adds `count` more: demo rows have no natural key to deduplicate on and
    nothing refers to them, so a second run is safe, only bigger. `seed` makes the rows
    reproducible. Returns how many rows were inserted.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
    now = utcnow()
    inserted = 0
    while inserted < count:
        batch = [demo_row(rng, now) for _ in range(min(SEED_BATCH, count - inserted))]
        db.session.execute(insert(ClothingItem.__table__), batch)
        inserted += len(batch)
    db.session.commit()
    return inserted
