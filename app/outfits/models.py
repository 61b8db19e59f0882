"""An outfit: a user's named, ordered set of catalogue items, private or public.

`outfit_items` holds the items, one row per position. Its foreign keys cascade: deleting an
outfit deletes its rows, deleting a catalogue item takes it out of every outfit (and, as the
ETag covers the item list, changes those outfits' ETags), deleting a user deletes their
outfits. The users and clothes tables are named, never imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import NamedTuple

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime, utcnow
from app.extensions import Model

VISIBILITIES = ("private", "public")
NAME_MAX, NOTE_MAX, ITEMS_MAX = 120, 2000, 50


class Outfit(Model):
    __tablename__ = "outfits"
    __table_args__ = (
        CheckConstraint("visibility IN ('private', 'public')", name="visibility_known"),
        # The sorts of the owner's list (GET /outfits), and the public list by id.
        Index("ix_outfits_owner_id_id", "owner_id", "id"),
        Index("ix_outfits_owner_id_name_id", "owner_id", "name", "id"),
        Index("ix_outfits_owner_id_created_at_id", "owner_id", "created_at", "id"),
        Index("ix_outfits_visibility_id", "visibility", "id"),
        {"sqlite_autoincrement": True},  # an id is never reused
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutfitItem(Model):
    __tablename__ = "outfit_items"
    __table_args__ = (UniqueConstraint("outfit_id", "clothing_id"),)

    outfit_id: Mapped[int] = mapped_column(
        ForeignKey("outfits.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    clothing_id: Mapped[int] = mapped_column(
        ForeignKey("clothes.id", ondelete="CASCADE"), index=True
    )


class OutfitRecord(NamedTuple):
    """An outfit as read or written: its columns and its items' ids in order."""

    id: int
    owner_id: int
    name: str
    note: str | None
    visibility: str
    created_at: dt.datetime
    updated_at: dt.datetime
    items: tuple[int, ...]


def etag_of(outfit: OutfitRecord) -> str:
    """A strong ETag (unquoted): a hash of every field and of the item list.

    The items are in it, so an outfit a deleted catalogue item left has a new ETag although
    no write touched its row; updated_at (to the microsecond) changes with every write.
    """
    state = "\x1f".join(
        str(value)
        for value in (
            outfit.id,
            outfit.owner_id,
            outfit.name,
            outfit.note,
            outfit.visibility,
            outfit.created_at.isoformat(),
            outfit.updated_at.isoformat(),
            ",".join(map(str, outfit.items)),
        )
    )
    return hashlib.sha256(state.encode()).hexdigest()[:32]
