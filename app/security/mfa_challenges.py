"""The second step of a login: the state of each attempt, shared by every worker and host.

An attempt is named by its mfa_token's `jti` (mfa_tokens.py), and something is written
under it only when something happens to it: a wrong pin counts a failure in
`mfa_challenges` (one INSERT ... ON CONFLICT DO UPDATE; MAX_FAILURES kill it), and the
successful step opens a session whose `mfa_jti` is that `jti`, under a unique index,
in one INSERT that also checks the attempt is not dead. So the session's INSERT is the
token's single use, and the database decides, also between concurrent requests: one
attempt opens at most one session, never after MAX_FAILURES wrong pins (docs/decisions.md
24). Issuing a token writes nothing: the first step of a login costs what a login costs.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from typing import Any, NoReturn

from sqlalchemy import Insert, bindparam, delete, exists, literal, select

from app import audit
from app.database import UTCDateTime, rows_matched, utcnow
from app.errors import MfaRequired, TokenInvalid
from app.extensions import db
from app.identity.models import AuthSession, MfaChallenge, User
from app.security.mfa_tokens import DEAD, Challenge, sign, verified
from app.security.second_factor import METHODS
from app.security.sessions import USER_AGENT_MAX
from app.security.tokens import new_jti

MAX_FAILURES = 5


def require_second_step(user: User, *, ip: str) -> NoReturn:
    """Commit (a rehashed password, if any), then raise MfaRequired carrying a new token."""
    db.session.commit()
    audit.record("mfa_challenge_issued", user_id=user.id, ip=ip)
    raise MfaRequired(sign(user.id, new_jti()), METHODS)


# Fast path [second-step-statements]: see docs/performance.md. The second step's read and
# its session INSERT are built once, with bound parameters, instead of on every request.
_DEAD = exists().where(MfaChallenge.jti == bindparam("jti"), MfaChallenge.failures >= MAX_FAILURES)
_USED = exists().where(AuthSession.mfa_jti == bindparam("jti"))
_OPEN = select(User, _DEAD.label("dead"), _USED.label("used")).where(
    User.id == bindparam("user_id")
)
_SESSION_VALUES = {
    "user_id": bindparam("user_id"),
    "refresh_jti": bindparam("refresh_jti", type_=AuthSession.refresh_jti.type),
    "created_at": bindparam("now", type_=UTCDateTime()),
    "last_used_at": bindparam("now", type_=UTCDateTime()),
    "expires_at": bindparam("expires_at", type_=UTCDateTime()),
    "user_agent": bindparam("user_agent", type_=AuthSession.user_agent.type),
    "ip": bindparam("ip", type_=AuthSession.ip.type),
    "amr": literal("pwd otp", AuthSession.amr.type),
    "mfa_jti": bindparam("jti", type_=AuthSession.mfa_jti.type),
}


@functools.cache
def _session_insert(dialect_name: str) -> Insert:
    """INSERT a session for the attempt unless it is dead, or opened one already (no row);
    built once per database dialect."""
    dialect = _dialect(dialect_name)
    table = AuthSession.__table__
    values = select(*_SESSION_VALUES.values()).where(~_DEAD)
    statement: Insert = (
        dialect.insert(table)
        .from_select(list(_SESSION_VALUES), values)
        .on_conflict_do_nothing(index_elements=[table.c.mfa_jti])
        .returning(table.c.id)
    )
    return statement


def _dialect(name: str) -> Any:
    """SQLAlchemy's module for this database, whose `insert` speaks ON CONFLICT; imported
    when first needed: PostgreSQL's would add 2 MB to every SQLite worker."""
    return importlib.import_module(f"sqlalchemy.dialects.{name}")


def open_challenge(raw: str) -> tuple[Challenge, User]:
    """The live attempt `raw` names, and its user (one query).

    Raises TokenInvalid: forged, expired, not an mfa_token, its user gone, used, or dead
    after too many wrong pins (the same answer for each).
    """
    challenge = verified(raw)
    row = db.session.execute(_OPEN, {"jti": challenge.jti, "user_id": challenge.user_id}).first()
    if row is None or row.dead or row.used:
        raise TokenInvalid(DEAD)
    return challenge, row[0]


def count_failure(challenge: Challenge) -> None:
    """One more wrong pin for this attempt (the caller commits)."""
    db.session.execute(
        _upsert(challenge, failures=1).on_conflict_do_update(
            index_elements=[MfaChallenge.jti], set_={"failures": MfaChallenge.failures + 1}
        )
    )


def open_session(
    challenge: Challenge, *, lifetime_seconds: int, user_agent: str, ip: str
) -> AuthSession | None:
    """Open the attempt's session, amr "pwd otp", in the caller's transaction: one INSERT,
    which is also the mfa_token's single use. None when another request opened it first or
    the attempt died meanwhile (nothing is written then).

    The AuthSession returned is a plain record of the row (the ORM session does not hold it).
    """
    now = utcnow()
    values = {
        "jti": challenge.jti,
        "user_id": challenge.user_id,
        "refresh_jti": new_jti(),
        "now": now,
        "expires_at": now + dt.timedelta(seconds=lifetime_seconds),
        "user_agent": user_agent[:USER_AGENT_MAX],
        "ip": ip,
    }
    statement = _session_insert(db.session.get_bind().dialect.name)
    # RETURNING, not a row count: PostgreSQL drivers report no count for an upsert.
    session_id = db.session.execute(statement, values).scalar()
    if session_id is None:
        return None
    return AuthSession(
        id=session_id,
        user_id=challenge.user_id,
        refresh_jti=values["refresh_jti"],
        created_at=now,
        last_used_at=now,
        expires_at=values["expires_at"],
        user_agent=values["user_agent"],
        ip=ip,
        amr="pwd otp",
        mfa_jti=challenge.jti,
    )


def prune_expired() -> int:
    """Delete the rows of attempts whose token has expired (useless then); commit; how many."""
    deleted = rows_matched(
        delete(MfaChallenge)
        .where(MfaChallenge.expires_at < utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return deleted


def _upsert(challenge: Challenge, **values: Any) -> Any:
    return (
        _dialect(db.session.get_bind().dialect.name)
        .insert(MfaChallenge)
        .values(
            jti=challenge.jti, user_id=challenge.user_id, expires_at=challenge.expires_at, **values
        )
    )
