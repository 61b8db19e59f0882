"""The admin's view of one user (GET /users/{id}): the user's JSON, then what they own, counted.

The counts come from app/identity/owned.py, where each feature that owns rows registers its
own, so this package never imports them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from app.identity.owned import count_names
from app.identity.presenters import USER_PUBLIC_COLUMNS, user_json


def user_detail_json(row: Row[Any] | tuple[Any, ...]) -> dict[str, Any]:
    """The same dict as UserDetailSchema().dump(row): user_json, then the owned counts."""
    values = tuple(row)
    shown = len(USER_PUBLIC_COLUMNS)
    counts = zip(count_names(), values[shown:], strict=True)
    return {**user_json(values[:shown]), **dict(counts)}
