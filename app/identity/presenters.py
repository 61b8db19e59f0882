"""A user as JSON, built by hand for GET /auth/me (as app/clothes/presenters.py for items).

UserSchema stays the contract and documents the response; dumping six fields through
marshmallow cost about a fifth of answering GET /auth/me (docs/performance.md).
tests/catalogue/test_presenters.py keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.fields import rfc3339


def user_json(row: Sequence[Any]) -> dict[str, Any]:
    """The same dict as UserSchema().dump(user), from a row of USER_PUBLIC_COLUMNS (in order)."""
    id_, email, name, role, is_active, created_at = row
    return {
        "id": id_,
        "email": email,
        "name": name,
        "role": role,
        "is_active": is_active,
        "created_at": rfc3339(created_at),
    }
