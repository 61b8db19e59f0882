"""Session and user state in Redis, so checking an access token costs no database query.

The database stays the source of truth; this is a cache of the few facts `authenticate`
needs, read in ONE Redis round trip (a script that MGETs three keys):

    {prefix}session:{sid}    {"user_id", "expires_at", "revoked"}   TTL SESSION_CACHE_TTL
    {prefix}user:{uid}       {"role", "is_active"}                  TTL SESSION_CACHE_TTL
    {prefix}user:{uid}:gen   a counter bumped on every change of the user

Why it cannot serve a stale "valid" answer (docs/scaling.md has the long version):
- A session only ever goes from live to revoked. Revoking deletes the entry, then writes
  the revoked state over it (a tombstone); a fill after a database read uses SET NX, so a
  slow request that read the session before the revocation cannot overwrite the tombstone.
- A user's role and activity can change both ways. A change deletes the entry, bumps `gen`
  and deletes the entry again; a fill writes only if `gen` is still what the request saw
  before it read the database (a Lua script, atomic in Redis).
- Deleting comes first because Redis allows DEL even when it refuses writes (`maxmemory`
  reached with `noeviction`): readers then miss and ask the database, and their fills fail,
  which is only a miss again.
- The read itself is a script without the `no-writes` flag, which Redis refuses to run
  whenever it refuses writes (out of memory, or a read-only replica, which refuses DEL
  too). So a Redis that could not take a revocation never answers a read with the entry the
  revocation meant to replace: every worker asks the database instead.
- The refresh token's jti is not cached: a refresh is checked against the database, which
  the rotation has to write anyway.
- Every entry expires at most SESSION_CACHE_TTL seconds after the database read it came
  from (a fill subtracts the time the read took). That is the bound when Redis could not be
  told about a change at all: the change then answers 503, and this process retries the
  invalidation in the background until it lands or the TTL has passed (cache_retry.py).

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
from functools import partial

from flask import current_app
from redis import Redis
from redis.commands.core import Script
from redis.exceptions import RedisError

from app import redis_store
from app.security.cache_retry import Retrier

log = logging.getLogger(__name__)

GENERATION_TTL = 86_400
READ_PAUSE_SECONDS = 5.0
PAUSED_UNTIL = "wardrobe_session_cache_paused_until"
RETRIER = "wardrobe_session_cache_retrier"
READER = "wardrobe_session_cache_reader"

# Redis runs a script that has a shebang but no `no-writes` / `allow-oom` flag only while it
# takes writes: out of memory or as a read-only replica it refuses it (OOM / READONLY error).
READ_SCRIPT = "#!lua\nreturn redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])"

# KEYS: session, user, generation. ARGV: session json, user json, ttl (ms), generation seen.
FILL_SCRIPT = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3], 'NX')
local generation = redis.call('GET', KEYS[3]) or ''
if generation == ARGV[4] then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
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
    """Redis did not take a change; entries may stay stale for up to SESSION_CACHE_TTL.

    The change is queued for a background retry before this is raised.
    """


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
        raw_session, raw_user, generation = _reader(client)(keys=keys)
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


def fill(state: SessionState, *, generation_seen: str, read_at: float) -> None:
    """Store state the database gave at `read_at` (time.monotonic()), unless a change raced it.

    The entries expire SESSION_CACHE_TTL seconds after `read_at`, not after now: a slow
    request cannot stretch the window in which an invalidation Redis missed goes unseen.
    A failure (Redis down, or refusing writes) is only logged: the next request misses again.
    """
    client = redis_store.client()
    ttl_ms = int((_ttl() - (time.monotonic() - read_at)) * 1000)
    if client is None or ttl_ms <= 0:
        return
    try:
        client.eval(
            FILL_SCRIPT,
            3,
            *_keys(state.session_id, state.user_id),
            _session_json(state),
            json.dumps({"role": state.role, "is_active": state.is_active}),
            ttl_ms,
            generation_seen,
        )
    except RedisError as error:
        log.warning("session cache fill failed: %s", type(error).__name__)


def mark_revoked(sessions: list[tuple[int, int, dt.datetime]]) -> None:
    """Replace each (session id, user id, expires_at) just revoked with a tombstone.

    Raises RedisUnavailable: Redis did not take it all (the database has the revocation).
    """
    client = redis_store.client()
    if client is None or not sessions:
        return
    tombstones = {
        redis_store.key("session", session_id): _session_json(
            SessionState(session_id, user_id, expires_at, True, "", False)
        )
        for session_id, user_id, expires_at in sessions
    }
    _apply(partial(_write_tombstones, client, tombstones, _ttl()), "revoke sessions")


def forget_user(user_id: int) -> None:
    """Drop the cached role and activity of a user whose row just changed (commit first).

    Raises RedisUnavailable: Redis did not take it all (the database already has the change).
    """
    client = redis_store.client()
    if client is None:
        return
    user_key = redis_store.key("user", user_id)
    _apply(partial(_forget, client, user_key, f"{user_key}:gen"), "forget user")


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


def _apply(write: partial, what: str) -> None:
    """Run `write` now; if Redis refuses, retry it in the background and raise.

    Raises RedisUnavailable.
    """
    try:
        write()
    except RedisError as error:
        log.error("session cache: could not %s: %s", what, type(error).__name__)
        retrier().retry(write, what=what, for_seconds=_ttl())
        raise RedisUnavailable(what) from None


def _reader(client: Redis) -> Script:
    """READ_SCRIPT bound to this app's client, registered once (EVALSHA from then on)."""
    reader = current_app.extensions.get(READER)
    if reader is None:
        reader = current_app.extensions[READER] = client.register_script(READ_SCRIPT)
    return reader


def retrier() -> Retrier:
    """This app's background retrier (one per process)."""
    return current_app.extensions.setdefault(RETRIER, Retrier())


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
