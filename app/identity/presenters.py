"""A user as JSON: the columns read for it, their SELECT and the function that writes them.

One writer for every response that shows a user: /auth/register, /auth/me, /users and
/users/{id}. UserSchema stays the contract and documents those responses. Fast path
[presenters]: see docs/performance.md. Dumping even six fields through marshmallow was a
large share of answering GET /auth/me; tests/catalogue/test_presenters.py keeps `user_json` equal
to the dump.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from sqlalchemy import Row, bindparam, select

from app.identity.models import User
from app.web.fields import rfc3339

# What the API shows of a user (UserSchema's fields): never the password hash, not even read.
USER_PUBLIC_COLUMNS = (
    User.id,
    User.email,
    User.name,
    User.role,
    User.is_active,
    User.email_verified,
    User.created_at,
    User.totp_enabled,
)

# One user by id (GET /auth/me, GET /users/{id}): built once, read as plain columns.
USER_BY_ID = select(*USER_PUBLIC_COLUMNS).where(User.id == bindparam("user_id"))

_user_values = attrgetter(*(column.key for column in USER_PUBLIC_COLUMNS))


def user_json(user: Row[Any] | tuple[Any, ...] | User) -> dict[str, Any]:
    """The same dict as UserSchema().dump(user): a row or tuple of USER_PUBLIC_COLUMNS, or a User.

    Fast path [positional-rows]: see docs/performance.md. A row is unpacked by position,
    cheaper than reading its attributes by name; a User object (after a write) is not
    iterable, so its attributes are read instead.
    """
    try:
        id_, email, name, role, is_active, verified, created_at, mfa_enabled = user  # type: ignore[misc]
    except TypeError:
        id_, email, name, role, is_active, verified, created_at, mfa_enabled = _user_values(user)
    return {
        "id": id_,
        "email": email,
        "name": name,
        "role": role,
        "is_active": is_active,
        "email_verified": verified,
        "created_at": rfc3339(created_at),
        "mfa_enabled": mfa_enabled,
    }


def user_page_json(page: dict[str, Any]) -> dict[str, Any]:
    """The same dict as UserPageSchema().dump(page)."""
    return {
        "items": [user_json(row) for row in page["items"]],
        "next_cursor": page["next_cursor"],
    }
