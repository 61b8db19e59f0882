"""/auth's hot read: the caller's own user for GET /auth/me, plain columns through Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from app.database import read
from app.identity.presenters import USER_BY_ID
from app.security.authentication import Principal


def my_profile(principal: Principal) -> Row[Any]:
    """The caller's user (public fields only): the one query GET /auth/me makes itself.

    Authentication has just seen the user, so the row exists.
    """
    return read(USER_BY_ID, {"user_id": principal.user_id}).one()
