"""Session and user state in Redis, so checking an access token costs no database query.

The database stays the source of truth; this is a cache of the few facts `authenticate`
needs, read in ONE Redis round trip (MGET of three keys):

    {prefix}session:{sid}    {"user_id", "expires_at", "revoked"}   TTL SESSION_CACHE_TTL
    {prefix}user:{uid}       {"role", "is_active"}                  TTL SESSION_CACHE_TTL
    {prefix}user:{uid}:gen   a counter bumped on every change of the user

Why it cannot serve a stale "valid" answer (docs/scaling.md has the long version):
- A session only ever goes from live to revoked. Revoking writes the revoked state over
  the entry (a tombstone); a fill after a database read uses SET NX, so a slow request that
  read the session before the revocation cannot overwrite the tombstone.
- A user's role and activity can change both ways. A change bumps `gen` and deletes the
  entry in one transaction; a fill writes only if `gen` is still what the request saw
  before it read the database (a Lua script, atomic in Redis).
- The refresh token's jti is not cached: a refresh is checked against the database, which
  the rotation has to write anyway.
- Every entry expires after SESSION_CACHE_TTL seconds: the worst case if Redis could not be
  told about a change (the change then answers 503, see `RedisUnavailable`).

When a read fails, this process asks the database directly for the next few seconds
(READ_PAUSE_SECONDS) instead of paying Redis's timeout on every request; reading the
database is never less correct than reading the cache. Writes are always attempted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError

from app import redis_store

log = logging.getLogger(__name__)

GENERATION_TTL = 86_400
READ_PAUSE_SECONDS = 5.0
PAUSED_UNTIL = "wardrobe_session_cache_paused_until"

# KEYS: session, user, generation. ARGV: session json, user json, ttl, generation seen.
FILL_SCRIPT = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3], 'NX')
local generation = redis.call('GET', KEYS[3]) or ''
if generation == ARGV[4] then
    redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
end
return 1
"""


@dataclass(frozen=True, slots=True)
class SessionState:
    """What authenticating a token needs to know about its session and user.

    `refresh_jti` is only known when the state was read from the database.
    """

    session_id: int
    user_id: int
    expires_at: dt.datetime
    revoked: bool
    role: str
    is_active: bool
    refresh_jti: str | None = None


@dataclass(frozen=True, slots=True)
class CacheRead:
    """The outcome of one lookup: the state on a hit, and the user's generation seen."""

    state: SessionState | None
    generation: str


class RedisUnavailable(RuntimeError):
    """Redis did not take a change; entries may stay stale for up to SESSION_CACHE_TTL."""


def read(session_id: int, user_id: int) -> CacheRead | None:
    """Look the session and user up in Redis, in one round trip.

    Returns None when there is no Redis or it does not answer: the caller must then ask the
    database (never accept a token unchecked).
    """
    client = redis_store.client()
    if client is None or time.monotonic() < current_app.extensions.get(PAUSED_UNTIL, 0.0):
        return None
    keys = _keys(session_id, user_id)
    try:
        raw_session, raw_user, generation = client.mget(keys)
    except RedisError as error:
        log.warning("session cache read failed, using the database: %s", type(error).__name__)
        current_app.extensions[PAUSED_UNTIL] = time.monotonic() + READ_PAUSE_SECONDS
        return None
    generation = (generation or b"").decode()
    if raw_session is None or raw_user is None:
        return CacheRead(None, generation)
    session, user = json.loads(raw_session), json.loads(raw_user)
    state = SessionState(
        session_id=session_id,
        user_id=session["user_id"],
        expires_at=dt.datetime.fromtimestamp(session["expires_at"], dt.UTC),
        revoked=session["revoked"],
        role=user["role"],
        is_active=user["is_active"],
    )
    return CacheRead(state, generation)


def fill(state: SessionState, *, generation_seen: str) -> None:
    """Store state just read from the database, unless a change raced past it.

    A failure is only logged: the next request misses again and asks the database.
    """
    client = redis_store.client()
    if client is None:
        return
    try:
        client.eval(
            FILL_SCRIPT,
            3,
            *_keys(state.session_id, state.user_id),
            _session_json(state),
            json.dumps({"role": state.role, "is_active": state.is_active}),
            _ttl(),
            generation_seen,
        )
    except RedisError as error:
        log.warning("session cache fill failed: %s", type(error).__name__)


def mark_revoked(sessions: list[tuple[int, int, dt.datetime]]) -> None:
    """Write a tombstone over each (session id, user id, expires_at) just revoked.

    Raises RedisUnavailable: Redis did not take it (the database already has the revocation).
    """
    client = redis_store.client()
    if client is None or not sessions:
        return
    pipeline = client.pipeline(transaction=False)
    for session_id, user_id, expires_at in sessions:
        tombstone = SessionState(session_id, user_id, expires_at, True, "", False)
        pipeline.set(redis_store.key("session", session_id), _session_json(tombstone), ex=_ttl())
    _execute(pipeline, "revoke sessions")


def forget_user(user_id: int) -> None:
    """Drop the cached role and activity of a user whose row just changed (commit first).

    Raises RedisUnavailable: Redis did not take it (the database already has the change).
    """
    client = redis_store.client()
    if client is None:
        return
    generation_key = redis_store.key("user", user_id, "gen")
    pipeline = client.pipeline(transaction=True)
    pipeline.incr(generation_key)
    pipeline.expire(generation_key, GENERATION_TTL)
    pipeline.delete(redis_store.key("user", user_id))
    _execute(pipeline, "forget user")


def _execute(pipeline, what: str) -> None:  # noqa: ANN001 - redis Pipeline
    try:
        pipeline.execute()
    except RedisError as error:
        log.error("session cache: could not %s: %s", what, type(error).__name__)
        raise RedisUnavailable(what) from None


def _keys(session_id: int, user_id: int) -> list[str]:
    return [
        redis_store.key("session", session_id),
        redis_store.key("user", user_id),
        redis_store.key("user", user_id, "gen"),
    ]


def _session_json(state: SessionState) -> str:
    return json.dumps(
        {
            "user_id": state.user_id,
            "expires_at": state.expires_at.timestamp(),
            "revoked": state.revoked,
        }
    )


def _ttl() -> int:
    return current_app.config["SESSION_CACHE_TTL"]
