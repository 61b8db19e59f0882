"""What authenticating a token reads about its session and user, and where it reads it from.

`authenticate` needs a handful of facts: is the session revoked, when does it end, whose is
it, and is that user active with which role. They come from Redis when it is configured and
has them (session_cache.py), else from the database in one statement, SESSION_AND_USER.
Nothing here writes to the database: the session's lifecycle is in sessions.py.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from app.database import read
from app.identity.models import AuthSession, User
from app.security import session_cache
from app.security.session_cache import CachedFacts


@dataclass(frozen=True, slots=True)
class SessionState:
    """What authenticating a token needs to know about its session and user."""

    session_id: int
    user_id: int
    expires_at: dt.datetime
    revoked: bool
    role: str
    is_active: bool


# Fast path [session-state-statement]: see docs/performance.md.
# Built once at import: only `session_id` changes between requests, so building the statement
# again would be work every authenticated request repeats for nothing.
SESSION_AND_USER = (
    select(
        AuthSession.user_id,
        AuthSession.expires_at,
        AuthSession.revoked_at,
        User.role,
        User.is_active,
    )
    .join_from(AuthSession, User)
    .where(AuthSession.id == bindparam("session_id"))
)


def load_session_state(
    session_id: int, user_id: int, *, fresh: bool = False
) -> SessionState | None:
    """The state of session `session_id` and its user; None if either is gone.

    Served from Redis when it has the entry (one round trip, no database query). Otherwise,
    or when Redis does not answer, or with `fresh`, it is read from the database, and a
    miss fills the cache for the next request. `fresh` is for a refresh: it mints new
    tokens, so it is checked against the source of truth, not a cache that may lag a
    change Redis could not take by up to SESSION_CACHE_TTL.
    """
    cached = None if fresh else session_cache.lookup(session_id, user_id)
    if cached is not None and cached.facts is not None:
        return SessionState(session_id, *cached.facts)
    read_at = time.monotonic()
    row = read(SESSION_AND_USER, {"session_id": session_id}).first()
    if row is None:
        return None
    state = SessionState(
        session_id=session_id,
        user_id=row.user_id,
        expires_at=row.expires_at,
        revoked=row.revoked_at is not None,
        role=row.role,
        is_active=row.is_active,
    )
    if cached is not None:
        facts = CachedFacts(
            state.user_id, state.expires_at, state.revoked, state.role, state.is_active
        )
        session_cache.fill(session_id, facts, generation_seen=cached.generation, read_at=read_at)
    return state
