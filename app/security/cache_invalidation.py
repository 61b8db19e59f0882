"""Telling the session cache about a change: tombstones for revoked sessions, forgotten users.

sessions.py calls these after it commits. Each deletes first, because Redis allows DEL even
when it refuses writes (`maxmemory` reached with `noeviction`); see session_cache.py for why
that keeps a stale "valid" from ever being served. When Redis does not take a change, it is
queued for a background retry (cache_retry.py) and RedisUnavailable is raised, so the caller
can answer 503: other workers may serve the old entry until it expires.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from flask import current_app

from app import redis_store
from app.security import session_cache
from app.security.cache_retry import Retrier

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

GENERATION_TTL = 86_400
RETRIER = "wardrobe_session_cache_retrier"


class RedisUnavailable(RuntimeError):
    """Redis did not take a change; entries may stay stale for up to SESSION_CACHE_TTL.

    The change is queued for a background retry before this is raised.
    """


def mark_revoked(sessions: list[tuple[int, int, dt.datetime]]) -> None:
    """Replace each (session id, user id, expires_at) just revoked with a tombstone.

    Raises RedisUnavailable: Redis did not take it all (the database has the revocation).
    """
    client = redis_store.client()
    if client is None or not sessions:
        return
    tombstones = {
        redis_store.key("session", sid): session_cache.entry_json(uid, expires_at, revoked=True)
        for sid, uid, expires_at in sessions
    }
    _write_or_retry(
        partial(_write_tombstones, client, tombstones, session_cache.ttl()), "revoke sessions"
    )


def forget_user(user_id: int) -> None:
    """Drop the cached role and activity of a user whose row just changed (commit first).

    Raises RedisUnavailable: Redis did not take it all (the database already has the change).
    """
    client = redis_store.client()
    if client is None:
        return
    user_key = redis_store.key("user", user_id)
    _write_or_retry(partial(_forget, client, user_key, f"{user_key}:gen"), "forget user")


def _write_tombstones(client: Redis, tombstones: dict[str, str], ttl: int) -> None:
    """DEL first (allowed when Redis refuses writes), then the tombstones.

    Not a transaction: a command that fails must not stop the others. Raises RedisError.
    """
    pipeline = client.pipeline(transaction=False)
    pipeline.delete(*tombstones)
    for key, tombstone in tombstones.items():
        pipeline.set(key, tombstone, ex=ttl)
    pipeline.execute()


def _forget(client: Redis, user_key: str, generation_key: str) -> None:
    """DEL, bump the generation, DEL again. Raises RedisError.

    Not a transaction, so the first DEL lands even when Redis refuses the INCR (a MULTI
    would be discarded whole). A fill that ran between the two DELs saw the old generation
    and may have written the old state; the second DEL removes it, and any later fill sees
    the new generation and writes nothing.
    """
    pipeline = client.pipeline(transaction=False)
    pipeline.delete(user_key)
    pipeline.incr(generation_key)
    pipeline.expire(generation_key, GENERATION_TTL)
    pipeline.delete(user_key)
    pipeline.execute()


def _write_or_retry(write: Callable[[], None], what: str) -> None:
    """Run `write` now; if Redis refuses, retry it in the background and raise.

    Raises RedisUnavailable.
    """
    try:
        write()
    except redis_store.failures() as error:
        log.error("session cache: could not %s: %s", what, type(error).__name__)
        retrier().retry(write, what=what, for_seconds=session_cache.ttl())
        raise RedisUnavailable(what) from None


def retrier() -> Retrier:
    """This app's background retrier (one per process)."""
    this_process: Retrier = current_app.extensions.setdefault(RETRIER, Retrier())
    return this_process
