"""User administration's reads: plain columns through SQLAlchemy Core, never a write.

Writes (and reads that feed them) are in services.py, through db.session. The rows read
here hold USER_PUBLIC_COLUMNS, which identity.presenters.user_json writes as JSON.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Row, Select, bindparam, or_, select

from app.database import read
from app.errors import NotFound
from app.identity.models import User
from app.identity.owned import owned_counts
from app.identity.presenters import USER_PUBLIC_COLUMNS
from app.pagination import LIKE_ESCAPE, Listing, PageRequest, like_escaped

_users = User.__table__.c

# GET /users: each filter is a condition on a bound parameter of its own name.
USERS = Listing(
    User.__table__,
    columns=[_users[column.key] for column in USER_PUBLIC_COLUMNS],
    filters={
        "role": _users.role == bindparam("role"),
        "is_active": _users.is_active == bindparam("is_active"),
        "q": or_(
            _users.email.icontains(bindparam("q"), escape=LIKE_ESCAPE),
            _users.name.icontains(bindparam("q"), escape=LIKE_ESCAPE),
        ),
    },
)


def list_users(
    *,
    page: PageRequest,
    role: str | None = None,
    is_active: bool | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """One page of the users matching every given filter: {"items", "next_cursor"}."""
    filters = {"role": role, "is_active": is_active, "q": like_escaped(q) if q else None}
    return USERS.page(page, filters)


@functools.cache
def user_detail() -> Select:
    """GET /users/{id}: the public columns, then what the user owns, counted
    (app/identity/owned.py), in one statement. Built on first use: the features register
    their counts when the app is created."""
    columns = (*USER_PUBLIC_COLUMNS, *owned_counts(User.id))
    return select(*columns).where(User.id == bindparam("user_id"))


def get_user(user_id: int) -> Row[Any]:
    """The user's public columns and owned counts. Raises NotFound: no user has this id."""
    user = read(user_detail(), {"user_id": user_id}).one_or_none()
    if user is None:
        raise NotFound("No user has this id.")
    return user
