"""Session and user state in Redis, so checking an access token costs no database query.

Only Redis lives here: keys, scripts, JSON. What the facts mean, and when the database is
asked instead, is session_state.py. The database stays the source of truth; this is a cache
of the few facts `authenticate` needs, read in ONE Redis round trip (a script that MGETs
three keys):

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
- A refresh is always checked against the database (session_state.py), never here.
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
from typing import TYPE_CHECKING, NamedTuple

from flask import current_app

from app import metrics, redis_store

if TYPE_CHECKING:
    from redis import Redis
    from redis.commands.core import Script

log = logging.getLogger(__name__)

READ_PAUSE_SECONDS = 5.0
PAUSED_UNTIL = "wardrobe_session_cache_paused_until"
READER = "wardrobe_session_cache_reader"

# Fast path [session-cache-read]: see docs/performance.md.
# One script, registered once (EVALSHA), reads all three keys in a single round trip, so a
# cached token check asks the database nothing.
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


class CachedFacts(NamedTuple):
    """What the cache holds about one session and its user (SessionState without the id)."""

    user_id: int
    expires_at: dt.datetime
    revoked: bool
    role: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class CacheRead:
    """The outcome of one lookup: the facts on a hit, and the user's generation seen."""

    facts: CachedFacts | None
    generation: str


def lookup(session_id: int, user_id: int) -> CacheRead | None:
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
    except redis_store.failures() as error:
        log.warning("session cache read failed, using the database: %s", type(error).__name__)
        metrics.session_cache_read("error")
        current_app.extensions[PAUSED_UNTIL] = time.monotonic() + READ_PAUSE_SECONDS
        return None
    generation = (generation or b"").decode()
    if raw_session is None or raw_user is None:
        metrics.session_cache_read("miss")
        return CacheRead(None, generation)
    metrics.session_cache_read("hit")
    session, user = json.loads(raw_session), json.loads(raw_user)
    facts = CachedFacts(
        user_id=session["user_id"],
        expires_at=dt.datetime.fromtimestamp(session["expires_at"], dt.UTC),
        revoked=session["revoked"],
        role=user["role"],
        is_active=user["is_active"],
    )
    return CacheRead(facts, generation)


def fill(session_id: int, facts: CachedFacts, *, generation_seen: str, read_at: float) -> None:
    """Store state the database gave at `read_at` (time.monotonic()), unless a change raced it.

    The entries expire SESSION_CACHE_TTL seconds after `read_at`, not after now: a slow
    request cannot stretch the window in which an invalidation Redis missed goes unseen.
    A failure (Redis down, or refusing writes) is only logged: the next request misses again.
    """
    client = redis_store.client()
    ttl_ms = int((ttl() - (time.monotonic() - read_at)) * 1000)
    if client is None or ttl_ms <= 0:
        return
    try:
        client.eval(
            FILL_SCRIPT,
            3,
            *_keys(session_id, facts.user_id),
            entry_json(facts.user_id, facts.expires_at, revoked=facts.revoked),
            json.dumps({"role": facts.role, "is_active": facts.is_active}),
            ttl_ms,
            generation_seen,
        )
    except redis_store.failures() as error:
        log.warning("session cache fill failed: %s", type(error).__name__)


def _reader(client: Redis) -> Script:
    """READ_SCRIPT bound to this app's client, registered once (EVALSHA from then on)."""
    reader = current_app.extensions.get(READER)
    if reader is None:
        reader = current_app.extensions[READER] = client.register_script(READ_SCRIPT)
    return reader


def _keys(session_id: int, user_id: int) -> list[str]:
    return [
        redis_store.key("session", session_id),
        redis_store.key("user", user_id),
        redis_store.key("user", user_id, "gen"),
    ]


def entry_json(user_id: int, expires_at: dt.datetime, *, revoked: bool) -> str:
    """The `session:{sid}` value, as a fill and a tombstone both write it."""
    return json.dumps(
        {"user_id": user_id, "expires_at": expires_at.timestamp(), "revoked": revoked}
    )


def ttl() -> int:
    seconds: int = current_app.config["SESSION_CACHE_TTL"]
    return seconds
