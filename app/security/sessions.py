"""Login sessions: start one, rotate its refresh token, end it.

A session is one row (AuthSession). Its `refresh_jti` names the only refresh token that
still works; rotating swaps it with a compare-and-set, so of two concurrent refreshes with
one token exactly one wins and the other is treated as reuse. Ending a session sets
`revoked_at`, which every token of the session is checked against on every request.

With REDIS_URL set, that check is served from Redis (session_cache.py): every change here
writes the database first, then the cache. If Redis does not take the change, the change
stays committed, this process retries the cache in the background, and SavedNotYetEverywhere
(503) is raised, because other workers may keep serving the old state for up to
SESSION_CACHE_TTL seconds. Repeating the request repairs the cache at once: a revocation
rewrites the tombstones of sessions revoked within the last SESSION_CACHE_TTL seconds (plus
a margin for clocks) even when they were revoked already.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import current_app
from sqlalchemy import bindparam, delete, func, literal, or_, select, update

from app import audit
from app.database import UTCDateTime, read, utcnow
from app.errors import RefreshReused, SavedNotYetEverywhere
from app.extensions import db
from app.identity.models import AuthSession, User
from app.security import session_cache
from app.security.session_cache import SessionState
from app.security.tokens import new_jti

USER_AGENT_MAX = 255
# How far the clocks of two app hosts may disagree: added to SESSION_CACHE_TTL when a retried
# revocation looks for sessions whose cache entries may still say "live".
CLOCK_MARGIN_SECONDS = 60


def start_session(user: User, *, lifetime_seconds: int, user_agent: str, ip: str) -> AuthSession:
    """Open a session for `user` (flushed, so it has an id; the caller commits)."""
    now = utcnow()
    session = AuthSession(
        user=user,
        refresh_jti=new_jti(),
        created_at=now,
        last_used_at=now,
        expires_at=now + dt.timedelta(seconds=lifetime_seconds),
        user_agent=user_agent[:USER_AGENT_MAX],
        ip=ip,
    )
    db.session.add(session)
    db.session.flush()
    return session


def rotate_refresh_token(
    session_id: int, *, user_id: int, presented_jti: str, user_agent: str, ip: str
) -> AuthSession:
    """Make a new refresh token the session's only valid one, and commit.

    The one place refresh-token reuse is recognised: the compare-and-set below only matches
    while `presented_jti` is the session's current one, so a token rotated out earlier (a
    replay) and the loser of two concurrent refreshes both fail it, and nothing else does.
    Raises RefreshReused: `presented_jti` is no longer current, so the whole session is
    revoked (and audited) before this is raised.
    """
    now = utcnow()
    fresh_jti = new_jti()
    swapped = db.session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.refresh_jti == presented_jti,
            AuthSession.revoked_at.is_(None),
        )
        .values(
            refresh_jti=fresh_jti,
            last_used_at=now,
            user_agent=user_agent[:USER_AGENT_MAX],
            ip=ip,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if swapped != 1:
        with audit.recorded("refresh_reused", user_id=user_id, session_id=session_id):
            revoke_session(session_id, reason="refresh_reused")
        raise RefreshReused("This refresh token was already used; the session is now ended.")
    db.session.commit()
    # populate_existing: the UPDATE bypassed the identity map, so reread even a loaded row.
    return db.session.get_one(AuthSession, session_id, populate_existing=True)


def revoke_session(session_id: int, *, reason: str) -> None:
    """End one session and commit: every token it issued is refused from now on."""
    revoke_sessions_where(AuthSession.id == session_id, reason=reason)


def revoke_user_sessions(user_id: int, *, reason: str, keep_session_id: int | None = None) -> None:
    """End every live session of a user, optionally all but one, and commit.

    Also drops the user's cached role and activity: a deactivation ends every session even if
    the caller forgets `user_changed`.
    Raises SavedNotYetEverywhere: committed, but Redis did not take the change.
    """
    condition = AuthSession.user_id == user_id
    if keep_session_id is not None:
        condition = condition & (AuthSession.id != keep_session_id)
    try:
        revoke_sessions_where(condition, reason=reason)
    finally:  # also when the tombstones failed: both are then retried in the background
        user_changed(user_id)


def revoke_sessions_where(condition, *, reason: str) -> None:  # noqa: ANN001 - SQL expression
    """Revoke the matching live sessions in the database, commit, then in the cache.

    Matching sessions revoked recently (within SESSION_CACHE_TTL plus CLOCK_MARGIN_SECONDS)
    are returned too, their revocation kept as it was: a retry after a 503 rewrites their
    tombstones, where the UPDATE alone would match nothing and leave the cache stale.
    Raises SavedNotYetEverywhere: committed, but Redis did not take the tombstones.
    """
    now = utcnow()
    recently = now - dt.timedelta(
        seconds=current_app.config["SESSION_CACHE_TTL"] + CLOCK_MARGIN_SECONDS
    )
    revoked = db.session.execute(
        update(AuthSession)
        .where(condition, or_(AuthSession.revoked_at.is_(None), AuthSession.revoked_at > recently))
        .values(
            revoked_at=func.coalesce(AuthSession.revoked_at, literal(now, UTCDateTime())),
            revoked_reason=func.coalesce(AuthSession.revoked_reason, reason),
        )
        .returning(AuthSession.id, AuthSession.user_id, AuthSession.expires_at)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    _tell_cache(session_cache.mark_revoked, [tuple(row) for row in revoked])


def user_changed(user_id: int) -> None:
    """Call after committing a change of a user's role or activity (or deleting the user).

    Access tokens are checked against the new role at once on every worker. Deactivating or
    deleting a user also needs `revoke_user_sessions` (before deleting: it marks the
    sessions revoked in the cache too).
    Raises SavedNotYetEverywhere: committed, but Redis did not take the change.
    """
    _tell_cache(session_cache.forget_user, user_id)


def _tell_cache(change, *args) -> None:  # noqa: ANN001, ANN002 - a session_cache function
    try:
        change(*args)
    except session_cache.RedisUnavailable:
        raise SavedNotYetEverywhere(
            "The change is saved, but the session cache did not take it: it takes effect "
            f"everywhere within {current_app.config['SESSION_CACHE_TTL']} seconds at most "
            "(sooner if you repeat the request once the service is back)."
        ) from None


def prune_ended_sessions(*, older_than_days: int) -> int:
    """Delete the sessions that ended (revoked) or expired more than `older_than_days` ago.

    Deleting a row never lets a token in: a token naming a session that does not exist is
    refused (token_invalid), and session ids are never handed out again (AuthSession).
    The cutoff is also at least one access-token lifetime (plus leeway) in the past, so every
    access token of a pruned session has expired by its own `exp` as well. A live session is
    never deleted, however old. Commits, audits the count, and returns it.
    """
    config = current_app.config
    margin = max(
        dt.timedelta(days=older_than_days),
        dt.timedelta(seconds=config["JWT_ACCESS_TOKEN_EXPIRES"] + config["JWT_LEEWAY"]),
    )
    cutoff = utcnow() - margin
    deleted = db.session.execute(
        delete(AuthSession)
        .where(or_(AuthSession.revoked_at < cutoff, AuthSession.expires_at < cutoff))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    audit.record("sessions_pruned", count=deleted, older_than_days=older_than_days, via="cli")
    return deleted


def live_sessions(user_id: int) -> list[AuthSession]:
    """The user's sessions that still work, newest first."""
    return list(
        db.session.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > utcnow(),
            )
            .order_by(AuthSession.created_at.desc(), AuthSession.id.desc())
        )
    )


def find_live_session(session_id: int, *, user_id: int) -> AuthSession | None:
    session = db.session.get(AuthSession, session_id)
    if session is None or session.user_id != user_id or not session.is_live(utcnow()):
        return None
    return session


def load_session_state(
    session_id: int, user_id: int, *, fresh: bool = False
) -> SessionState | None:
    """What authenticating a token of this session needs; None if session or user is gone.

    Served from Redis when it has the entry (one round trip, no database query); otherwise,
    or with `fresh` (a refresh, which needs the current refresh jti), or when Redis does
    not answer, read from the database, and the cache is filled for the next request.
    """
    cached = None if fresh else session_cache.read(session_id, user_id)
    if cached is not None and cached.state is not None:
        return cached.state
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
        refresh_jti=row.refresh_jti,
    )
    if cached is not None:
        session_cache.fill(state, generation_seen=cached.generation, read_at=read_at)
    return state


# Everything checking a token needs from the database, in ONE round trip. Built once: making
# the statement anew on every request cost a third of what running it costs.
SESSION_AND_USER = (
    select(
        AuthSession.user_id,
        AuthSession.expires_at,
        AuthSession.revoked_at,
        AuthSession.refresh_jti,
        User.role,
        User.is_active,
    )
    .join_from(AuthSession, User)
    .where(AuthSession.id == bindparam("session_id"))
)
