"""Login sessions: start one, rotate its refresh token, end it, prune the ended ones.

A session is one row (AuthSession). Its `refresh_jti` names the only refresh token that still
works; rotating swaps it with a compare-and-set, so of two concurrent refreshes with one token
exactly one wins and the other is reuse. Ending a session sets `revoked_at`, which every request
with one of its tokens checks. With REDIS_URL set, every change here writes the database first,
then the cache (cache_invalidation.py). If Redis does not take it, the change stays committed,
is retried in the background, and SavedNotYetEverywhere (503) is raised: other workers may serve
the old state for up to SESSION_CACHE_TTL seconds; repeating the request repairs the cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, literal, or_, select, update

from app import audit, metrics
from app.database import UTCDateTime, rows_matched, utcnow
from app.errors import RefreshReused, SavedNotYetEverywhere
from app.extensions import db
from app.identity.models import AuthSession, User
from app.security import cache_invalidation
from app.security.tokens import new_jti

USER_AGENT_MAX = 255
# How far two app hosts' clocks may disagree: added to SESSION_CACHE_TTL when a retried
# revocation looks for sessions whose cache entries may still say "live".
CLOCK_MARGIN_SECONDS = 60
REVOKED_ROW = (AuthSession.id, AuthSession.user_id, AuthSession.expires_at)  # mark_revoked's


def start_session(
    user: User, *, lifetime_seconds: int, user_agent: str, ip: str, amr: str = "pwd"
) -> AuthSession:
    """Open a session for `user` (`amr`: "pwd" or "pwd otp"), flushed; the caller commits."""
    now = utcnow()
    session = AuthSession(
        user=user,
        refresh_jti=new_jti(),
        created_at=now,
        last_used_at=now,
        expires_at=now + dt.timedelta(seconds=lifetime_seconds),
        user_agent=user_agent[:USER_AGENT_MAX],
        ip=ip,
        amr=amr,
    )
    db.session.add(session)
    db.session.flush()
    return session


def rotate_refresh_token(
    session_id: int, *, user_id: int, presented_jti: str, user_agent: str, ip: str
) -> AuthSession:
    """Make a new refresh token the session's only valid one, and commit.

    The one place refresh-token reuse is recognised: the compare-and-set matches only while
    `presented_jti` is current, so a replayed token and the loser of a concurrent refresh
    both fail it. Raises RefreshReused: it failed; the session is revoked and audited first.
    """
    swapped = rows_matched(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.refresh_jti == presented_jti,
            AuthSession.revoked_at.is_(None),
        )
        .values(
            refresh_jti=new_jti(),
            last_used_at=utcnow(),
            user_agent=user_agent[:USER_AGENT_MAX],
            ip=ip,
        )
        .execution_options(synchronize_session=False)
    )
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


def revoke_sessions_where(condition: ColumnElement[bool], *, reason: str) -> None:
    """Revoke the matching live sessions in the database, commit, then in the cache.

    Sessions revoked in the last SESSION_CACHE_TTL + CLOCK_MARGIN_SECONDS match too, kept as
    they were: a retry after a 503 rewrites their tombstones (the UPDATE alone would match
    nothing and leave the cache stale), but only the sessions ended now are counted.
    Raises SavedNotYetEverywhere: committed, but Redis did not take the tombstones.
    """
    now = utcnow()
    ttl = current_app.config["SESSION_CACHE_TTL"]
    recently = now - dt.timedelta(seconds=ttl + CLOCK_MARGIN_SECONDS)
    revoked = db.session.execute(
        update(AuthSession)
        .where(condition, or_(AuthSession.revoked_at.is_(None), AuthSession.revoked_at > recently))
        .values(
            revoked_at=func.coalesce(AuthSession.revoked_at, literal(now, UTCDateTime())),
            revoked_reason=func.coalesce(AuthSession.revoked_reason, reason),
        )
        .returning(*REVOKED_ROW, AuthSession.revoked_at)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    metrics.sessions_revoked(reason, sum(row.revoked_at == now for row in revoked))
    _tell_cache(cache_invalidation.mark_revoked, [tuple(row)[:3] for row in revoked])


def user_changed(user_id: int) -> None:
    """Call after committing a change of a user's role or activity (or deleting the user).

    Access tokens are checked against the new role at once on every worker. Deactivating or
    deleting a user also needs `revoke_user_sessions` (before deleting: it marks the
    sessions revoked in the cache too).
    Raises SavedNotYetEverywhere: committed, but Redis did not take the change.
    """
    _tell_cache(cache_invalidation.forget_user, user_id)


def _tell_cache(change: Callable[..., None], *args: object) -> None:
    try:
        change(*args)
    except cache_invalidation.RedisUnavailable:
        raise SavedNotYetEverywhere(
            "The change is saved, but the session cache did not take it: it takes effect "
            f"everywhere within {current_app.config['SESSION_CACHE_TTL']} seconds at most "
            "(sooner if you repeat the request once the service is back)."
        ) from None


def prune_ended_sessions(*, older_than_days: int) -> int:
    """Delete the sessions that ended (revoked) or expired more than `older_than_days` ago.

    Deleting a row never lets a token in: a token naming a missing session is refused
    (token_invalid), and session ids are never handed out again (AuthSession). The cutoff
    is at least one access-token lifetime (plus leeway) ago, so their access tokens expired
    by their own `exp` too. A live session is never deleted. Commits, audits, returns the count.
    """
    config = current_app.config
    margin = max(
        dt.timedelta(days=older_than_days),
        dt.timedelta(seconds=config["JWT_ACCESS_TOKEN_EXPIRES"] + config["JWT_LEEWAY"]),
    )
    cutoff = utcnow() - margin
    deleted = rows_matched(
        delete(AuthSession)
        .where(or_(AuthSession.revoked_at < cutoff, AuthSession.expires_at < cutoff))
        .execution_options(synchronize_session=False)
    )
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
