"""The second step of a login: the `mfa_token` a right password earns, and its checks.

An `mfa_token` is a JWT of its own `type` ("mfa") and audience, signed and verified by the
same key ring as every other token (signing.py): tokens.py refuses it as an access or refresh
token (an audience it does not expect, an unknown type), this module refuses those as an
mfa_token (the reverse), and it carries no session or role. Its `exp` (LIFETIME_SECONDS) is
its life; its `jti` names this login attempt. What must be shared by every worker and host
is a row of `mfa_challenges` under that `jti`, written only when something happens to the
attempt: a wrong pin counts a failure (MAX_FAILURES kill it), the successful second step
marks it used. Both are one INSERT ... ON CONFLICT DO UPDATE, so the database decides, also
between concurrent requests.
Issuing a token writes nothing: the first step of a login costs what a login costs.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, NoReturn

import jwt
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app import audit
from app.database import rows_matched, utcnow
from app.errors import MfaRequired, TokenInvalid
from app.extensions import db
from app.identity.models import MfaChallenge, User
from app.security.second_factor import METHODS
from app.security.signing import key_ring, sign, verify
from app.security.tokens import MAX_ID, new_jti

MFA_TOKEN_TYPE = "mfa"  # noqa: S105 - a token type, not a secret
AUDIENCE = "wardrobe:mfa"  # config.py refuses it as JWT_AUDIENCE
LIFETIME_SECONDS = 300
MAX_FAILURES = 5
MAX_TOKEN_LENGTH = 4096
REQUIRED_CLAIMS = ["exp", "iat", "jti", "type", "sub"]
DEAD = "This mfa_token is no longer valid; log in again."


@dataclass(frozen=True, slots=True)
class Challenge:
    """A login attempt waiting for its second step, as its verified mfa_token names it."""

    jti: str
    user_id: int
    expires_at: dt.datetime


def require_second_step(user: User, *, ip: str) -> NoReturn:
    """Commit (a rehashed password, if any), then raise MfaRequired carrying a new token."""
    db.session.commit()
    audit.record("mfa_challenge_issued", user_id=user.id, ip=ip)
    raise MfaRequired(_sign(user.id, new_jti()), METHODS)


def open_challenge(raw: str) -> tuple[Challenge, User]:
    """The live attempt `raw` names, and its user (one query).

    Raises TokenInvalid: forged, expired, not an mfa_token, its user gone, used, or dead
    after too many wrong pins (the same answer for each).
    """
    challenge = _verified(raw)
    row = db.session.execute(
        select(User, MfaChallenge.failures, MfaChallenge.used_at)
        .outerjoin(MfaChallenge, MfaChallenge.jti == challenge.jti)
        .where(User.id == challenge.user_id)
    ).first()
    if row is None:
        raise TokenInvalid(DEAD)
    user, failures, used_at = row
    if used_at is not None or (failures or 0) >= MAX_FAILURES:
        raise TokenInvalid(DEAD)
    return challenge, user


def count_failure(challenge: Challenge) -> None:
    """One more wrong pin for this attempt (the caller commits)."""
    db.session.execute(
        _upsert(challenge, failures=1).on_conflict_do_update(
            index_elements=[MfaChallenge.jti], set_={"failures": MfaChallenge.failures + 1}
        )
    )


def claim(challenge: Challenge) -> bool:
    """Mark the attempt used (in the caller's transaction); False when another request used
    it first or it died meanwhile."""
    now = utcnow()
    statement = _upsert(challenge, failures=0, used_at=now).on_conflict_do_update(
        index_elements=[MfaChallenge.jti],
        set_={"used_at": now},
        where=MfaChallenge.used_at.is_(None) & (MfaChallenge.failures < MAX_FAILURES),
    )
    # RETURNING, not a row count: PostgreSQL drivers report no count for an upsert.
    return db.session.execute(statement.returning(MfaChallenge.id)).first() is not None


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
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(MfaChallenge).values(
        jti=challenge.jti, user_id=challenge.user_id, expires_at=challenge.expires_at, **values
    )


def _sign(user_id: int, jti: str) -> str:
    ring = key_ring()
    now = int(time.time())
    claims = {
        "iss": ring.issuer,
        "sub": str(user_id),
        "jti": jti,
        "type": MFA_TOKEN_TYPE,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
    }
    return sign(claims, ring)


def _verified(raw: str) -> Challenge:
    """What a valid mfa_token says. Raises TokenInvalid."""
    if len(raw) > MAX_TOKEN_LENGTH:
        raise TokenInvalid(DEAD)
    try:
        payload = verify(
            raw,
            key_ring(),
            audience=AUDIENCE,
            required=REQUIRED_CLAIMS,
            leeway=current_app.config["JWT_LEEWAY"],
        )
    except jwt.InvalidTokenError:
        raise TokenInvalid(DEAD) from None
    return _challenge_from(payload)


def _challenge_from(payload: dict[str, Any]) -> Challenge:
    sub, jti, exp = payload["sub"], payload["jti"], payload["exp"]
    if (
        payload["type"] != MFA_TOKEN_TYPE
        or not (isinstance(sub, str) and sub.isascii() and sub.isdigit() and len(sub) <= 10)
        or not 1 <= int(sub) <= MAX_ID
        or not (isinstance(jti, str) and 0 < len(jti) <= 36)
        or type(exp) is not int
    ):
        raise TokenInvalid(DEAD)
    expires_at = dt.datetime.fromtimestamp(exp, dt.UTC)
    return Challenge(jti=jti, user_id=int(sub), expires_at=expires_at)
