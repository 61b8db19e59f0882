"""What outfits do, as plain functions: no request, no responses, only domain errors.

Every statement of the outfits table carries a scope of the object rule (queries.SCOPES):
a write first reads the outfit through `visible_to` (404 when the caller may not see it),
with what the rule lets the caller do to it (403 when not that), then writes through
`editable_by` or `deletable_by`. Writes honour `If-Match` as the catalogue's do: callers
pass the header's entity tags, or None when it was not sent.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.database import utcnow
from app.errors import NotFound, PreconditionFailed, ValidationFailed
from app.extensions import db
from app.identity.events import account_closed
from app.outfits.models import Outfit, OutfitItem, OutfitRecord, etag_of
from app.outfits.presenters import OUTFIT_COLUMNS, record_of
from app.outfits.queries import NOT_FOUND, SCOPES
from app.security.authentication import Principal
from app.security.object_rules import refusal, scope_parameters

WRITE_ATTEMPTS = 3
_outfits, _items = Outfit.__table__.c, OutfitItem.__table__
_by_id = _outfits.id == bindparam("outfit_id")
_as_read = _outfits.updated_at == bindparam("read_version")

# The outfit, if visible, with what the caller may do to it: the rule decides, in SQL.
FOR_WRITE = SCOPES.visible_to.apply(
    select(
        *OUTFIT_COLUMNS,
        SCOPES.editable_by.condition.label("may_edit"),
        SCOPES.deletable_by.condition.label("may_delete"),
    ).where(_by_id)
)
DELETE_AS_READ = SCOPES.deletable_by.apply(delete(Outfit.__table__).where(_by_id, _as_read))
DELETE_OWNED = SCOPES.owned_by.apply(delete(Outfit.__table__))


def create_outfit(
    principal: Principal, *, name: str, note: str | None, visibility: str, items: list[int]
) -> OutfitRecord:
    """Store a new outfit owned by the caller. Raises ValidationFailed: an item does not exist."""
    outfit = Outfit(owner_id=principal.user_id, name=name, note=note, visibility=visibility)
    outfit.created_at = outfit.updated_at = utcnow()
    db.session.add(outfit)
    try:
        db.session.flush()
        _store_items(outfit.id, items)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _missing_items(items) from None
    return OutfitRecord(
        outfit.id, principal.user_id, name, note, visibility,
        outfit.created_at, outfit.updated_at, tuple(items),
    )  # fmt: skip


def update_outfit(
    principal: Principal, outfit_id: int, *, if_match: Container[str] | None, **fields: Any
) -> OutfitRecord:
    """Set the given fields (all for PUT, some for PATCH); the owner only.

    Raises NotFound: no such outfit, or not the caller's (another's public one included).
    Raises Forbidden: an admin, who sees every outfit, changing another's.
    Raises PreconditionFailed: If-Match names another version; nothing changes.
    Raises ValidationFailed: an item does not exist; nothing changes.
    """
    items = fields.pop("items", None)
    for _attempt in range(WRITE_ATTEMPTS):
        current = _read_for_write(principal, outfit_id, if_match, may="may_edit")
        if not fields and items is None:  # PATCH {}: nothing to change, not even updated_at
            db.session.rollback()
            return current
        changed = current._replace(**fields, updated_at=utcnow())
        statement = SCOPES.editable_by.apply(
            update(Outfit.__table__)
            .where(_by_id, _as_read)
            .values(**fields, updated_at=changed.updated_at)
        )
        try:
            if not _matched(statement, principal, current):
                db.session.rollback()  # changed meanwhile: read it again
                continue
            if items is not None:
                db.session.execute(delete(_items).where(_items.c.outfit_id == outfit_id))
                _store_items(outfit_id, items)
                changed = changed._replace(items=tuple(items))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise _missing_items(items or []) from None
        return changed
    raise PreconditionFailed("The outfit kept changing while this write was applied; retry.")


def delete_outfit(principal: Principal, outfit_id: int, *, if_match: Container[str] | None) -> None:
    """Delete an outfit: its owner, or an admin (audited as outfit_moderated).

    Raises NotFound, PreconditionFailed: as update_outfit (a user deleting another's public
    outfit gets NotFound too).
    """
    for _attempt in range(WRITE_ATTEMPTS):
        current = _read_for_write(principal, outfit_id, if_match, may="may_delete")
        if not _matched(DELETE_AS_READ, principal, current):
            db.session.rollback()
            continue
        if current.owner_id == principal.user_id:
            db.session.commit()
            return
        with audit.recorded("outfit_moderated", outfit_id=outfit_id, owner_id=current.owner_id):
            db.session.commit()
        return
    raise PreconditionFailed("The outfit kept changing while this write was applied; retry.")


@account_closed.connect
def delete_outfits_of_closed_account(_sender: object, **kwargs: Any) -> None:
    """Delete every outfit of the closed account, in the closing transaction (no commit)."""
    db.session.execute(DELETE_OWNED, {"scope_user_id": kwargs["user_id"]})


FORBIDDEN = {
    "may_edit": "Only the owner may change an outfit.",
    "may_delete": "Only the owner or an admin may delete an outfit.",
}


def _read_for_write(
    principal: Principal, outfit_id: int, if_match: Container[str] | None, *, may: str
) -> OutfitRecord:
    """The outfit as read now, once the rule allows `may` and If-Match matches.

    Raises NotFound (not visible, or visible but not `may`), Forbidden (an admin, not `may`),
    PreconditionFailed.
    """
    parameters = {**scope_parameters(principal), "outfit_id": outfit_id}
    row = db.session.execute(FOR_WRITE, parameters).one_or_none()
    if row is None:
        db.session.rollback()
        raise NotFound(NOT_FOUND)
    if not row._mapping[may]:
        db.session.rollback()
        raise refusal(principal, forbidden=FORBIDDEN[may], not_found=NOT_FOUND)
    current = record_of(row)
    if if_match is not None and etag_of(current) not in if_match:
        db.session.rollback()
        raise PreconditionFailed(
            "The outfit changed since you read it (If-Match does not match its ETag); "
            "GET it again and retry."
        )
    return current


def _matched(statement: Any, principal: Principal, current: OutfitRecord) -> bool:
    """Run an UPDATE or DELETE of the outfit as read; whether it still matched a row."""
    parameters = {
        **scope_parameters(principal),
        "outfit_id": current.id,
        "read_version": current.updated_at,
    }
    result = cast(CursorResult[Any], db.session.execute(statement, parameters))
    return result.rowcount == 1


def _store_items(outfit_id: int, items: Sequence[int]) -> None:
    """Insert the outfit's items in order. Raises ValidationFailed: some do not exist."""
    if not items:
        return
    clothes = _clothes_table()
    found = set(db.session.scalars(select(clothes.c.id).where(clothes.c.id.in_(items))))
    if len(found) != len(items):
        db.session.rollback()
        raise _missing_items(items, found)
    rows = [
        {"outfit_id": outfit_id, "position": position, "clothing_id": clothing_id}
        for position, clothing_id in enumerate(items)
    ]
    db.session.execute(insert(_items), rows)


def _clothes_table() -> Table:
    """The catalogue's table, found through outfit_items' foreign key (no import of it)."""
    (foreign_key,) = _items.c.clothing_id.foreign_keys
    table: Table = foreign_key.column.table
    return table


def _missing_items(items: Sequence[int], found: set[int] | None = None) -> ValidationFailed:
    missing = [i for i in items if found is not None and i not in found]
    named = ", ".join(map(str, missing)) if missing else "some of them"
    return ValidationFailed({"items": [f"No catalogue item has these ids: {named}."]})
