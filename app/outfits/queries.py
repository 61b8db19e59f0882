"""Outfits' reads: plain columns through SQLAlchemy Core, each through an object-rule scope.

Every statement here is built once, with the scope of app/security/object_rules.py applied
(`SCOPES`), and reads the caller from bound parameters. Writes are in services.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select

from app.database import read
from app.errors import NotFound
from app.identity.owned import count_owned
from app.outfits.models import Outfit, OutfitRecord
from app.outfits.presenters import OUTFIT_COLUMNS, record_of
from app.pagination import PageRequest
from app.security.authentication import Principal
from app.security.object_rules import OwnerScopes, ScopedListing, scope_parameters

_outfits = Outfit.__table__.c
SCOPES = OwnerScopes(Outfit.__table__, "outfit")
NOT_FOUND = "No outfit has this id."

# GET /outfits/{id}: the outfit, if the caller may see it.
VISIBLE_BY_ID = SCOPES.visible_to.apply(
    select(*OUTFIT_COLUMNS).where(_outfits.id == bindparam("outfit_id"))
)
# GET /outfits: the caller's own, filtered by visibility.
OWN = ScopedListing(
    Outfit.__table__,
    columns=OUTFIT_COLUMNS,
    filters={"visibility": _outfits.visibility == bindparam("visibility")},
    scope=SCOPES.owned_by,
)
# GET /outfits/public: every active owner's public outfits.
PUBLIC = ScopedListing(
    Outfit.__table__, columns=OUTFIT_COLUMNS, filters={}, scope=SCOPES.listed_publicly
)

# The admin's view of a user counts their outfits (GET /users/{id}); see app/identity/owned.py.
count_owned(
    "outfit_count",
    lambda user_id: select(func.count()).where(_outfits.owner_id == user_id).scalar_subquery(),
)


def list_own(
    principal: Principal, *, page: PageRequest, visibility: str | None = None
) -> dict[str, Any]:
    """One page of the caller's outfits: {"items", "next_cursor"}."""
    return OWN.page_for(principal, page, {"visibility": visibility})


def list_public(principal: Principal, *, page: PageRequest) -> dict[str, Any]:
    """One page of the public outfits of active owners."""
    return PUBLIC.page_for(principal, page, {})


def get_outfit(principal: Principal, outfit_id: int) -> OutfitRecord:
    """Raises NotFound: no outfit has this id, or the caller may not see it (the same answer)."""
    row = read(VISIBLE_BY_ID, {**scope_parameters(principal), "outfit_id": outfit_id}).one_or_none()
    if row is None:
        raise NotFound(NOT_FOUND)
    return record_of(row)
