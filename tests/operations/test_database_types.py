"""UTCDateTime: any aware timestamp is stored in UTC and read back aware, equal, in UTC.

Read both ways the app reads: ORM objects (db.session) and plain rows (database.read), on
SQLite (which stores naive text, read back by UTCDateTime.result_processor) and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from app.clothes.models import ClothingItem
from app.database import read
from app.extensions import db

MOMENTS = [
    dt.datetime(2026, 11, 29, 4, 5, 6, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 29, 4, 5, 6, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 2, 30, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-7, minutes=-30))),
    dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=14))),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_timestamps_come_back_equal_aware_and_in_utc(app, moment):
    row = {
        "name": "coat",
        "category": "outerwear",
        "size": "M",
        "color": "Navy",
        "price": 10,
        "stock": 1,
        "description": "",
        "created_at": moment,
        "updated_at": moment,
    }
    with app.app_context():
        item_id = db.session.execute(
            insert(ClothingItem).returning(ClothingItem.id), [row]
        ).scalar()
        db.session.commit()
        db.session.expunge_all()
        as_object = db.session.get(ClothingItem, item_id).created_at
        as_row = read(
            select(ClothingItem.__table__.c.created_at).where(
                ClothingItem.__table__.c.id == item_id
            )
        ).scalar_one()
    for value in (as_object, as_row):
        assert value == moment
        assert value.tzinfo is dt.UTC
