"""Cursors for the page after row N of /clothes, for every sort order (make bench).

A client would reach that page by following next_cursor N / limit times; the benchmark
makes the same cursor directly, with the app's own encoder and SECRET_KEY, from the row
the walk would stop at.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.clothes.models import ClothingItem  # noqa: E402
from app.extensions import db  # noqa: E402
from app.pagination import encode_cursor  # noqa: E402

SORTS = ("id", "-id", "name", "-name", "price", "-price", "created_at", "-created_at")


def deep_cursors(env: dict[str, str], after_row: int) -> dict[str, str]:
    """sort -> the cursor of the page that starts after row `after_row` in that order."""
    os.environ.update(env)
    app = create_app()
    cursors = {}
    with app.app_context():
        for sort in SORTS:
            field = sort.removeprefix("-")
            columns = (
                [ClothingItem.id]
                if field == "id"
                else [getattr(ClothingItem, field), ClothingItem.id]
            )
            order = [c.desc() if sort.startswith("-") else c.asc() for c in columns]
            row = db.session.execute(
                select(*columns).order_by(*order).offset(after_row - 1).limit(1)
            ).one()
            cursors[sort] = encode_cursor(scope="clothes", sort=sort, keys=list(row))
        db.engine.dispose()
    return cursors
