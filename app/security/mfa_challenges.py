"""The second step of a login: the `mfa_token` a right password earns, and its checks.

An `mfa_token` is a JWT of its own `type` ("mfa") and audience: tokens.py refuses it as an
access or refresh token (an unknown type, an audience it does not expect), and it carries no
session or role. It names a row (MfaChallenge) by its `jti`: that row is what makes it single
use, dead after MAX_FAILURES wrong codes and dead after LIFETIME_SECONDS, the same on every
worker and host, decided by conditional UPDATEs in the database.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import NoReturn

import jwt
from flask import current_app
from sqlalchemy import delete, select, update

from app import audit
from app.database import rows_matched, utcnow
from app.errors import MfaRequired, TokenInvalid
from app.extensions import db
from app.identity.models import MfaChallenge, User
from app.security.second_factor import METHODS
from app.security.tokens import new_jti

MFA_TOKEN_TYPE = "mfa"  # noqa: S105 - a token type, not a secret
AUDIENCE = "wardrobe:mfa"
LIFETIME_SECONDS = 300
MAX_FAILURES = 5
REQUIRED_CLAIMS = ["exp", "iat", "jti", "type", "sub", "aud"]
DEAD = "This mfa_token is no longer valid; log in again."


def require_second_step(user: User, *, ip: str) -> NoReturn:
    """Open a challenge for `user` (commits), then raise MfaRequired carrying its token.

    The user's expired challenges are deleted on the way, so the table stays small.
    """
    now = utcnow()
    db.session.execute(
        delete(MfaChallenge)
        .where(MfaChallenge.user_id == user.id, MfaChallenge.expires_at < now)
        .execution_options(synchronize_session=False)
    )
    challenge = MfaChallenge(
        jti=new_jti(),
        user_id=user.id,
        expires_at=now + dt.timedelta(seconds=LIFETIME_SECONDS),
        failures=0,
    )
    db.session.add(challenge)
    db.session.commit()
    audit.record("mfa_challenge_issued", user_id=user.id, ip=ip)
    raise MfaRequired(_sign(user.id, challenge.jti), METHODS)


def open_challenge(raw: str) -> MfaChallenge:
    """The live challenge `raw` names.

    Raises TokenInvalid: forged, expired, not an mfa_token, used, or dead after too many
    wrong codes (the same answer for each).
    """
    sub, jti = _verified(raw)
    challenge = db.session.scalar(select(MfaChallenge).where(MfaChallenge.jti == jti))
    if (
        challenge is None
        or str(challenge.user_id) != sub
        or challenge.used_at is not None
        or challenge.failures >= MAX_FAILURES
        or challenge.expires_at <= utcnow()
    ):
        raise TokenInvalid(DEAD)
    return challenge


def count_failure(challenge_id: int) -> None:
    """One more wrong code for this challenge (the caller commits)."""
    db.session.execute(
        update(MfaChallenge)
        .where(MfaChallenge.id == challenge_id)
        .values(failures=MfaChallenge.failures + 1)
        .execution_options(synchronize_session=False)
    )


def claim(challenge_id: int) -> bool:
    """Use the challenge up; False when another request used it or it died meanwhile."""
    return (
        rows_matched(
            update(MfaChallenge)
            .where(
                MfaChallenge.id == challenge_id,
                MfaChallenge.used_at.is_(None),
                MfaChallenge.failures < MAX_FAILURES,
                MfaChallenge.expires_at > utcnow(),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        == 1
    )


def _sign(user_id: int, jti: str) -> str:
    config = current_app.config
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "jti": jti,
        "type": MFA_TOKEN_TYPE,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
    }
    return jwt.encode(claims, config["JWT_SECRET_KEY"], algorithm=config["JWT_ALGORITHM"])


def _verified(raw: str) -> tuple[str, str]:
    """`sub` and `jti` of a valid mfa_token. Raises TokenInvalid."""
    config = current_app.config
    if len(raw) > 4096:
        raise TokenInvalid(DEAD)
    for key in (config["JWT_SECRET_KEY"], *config["JWT_PREVIOUS_SECRET_KEYS"]):
        try:
            payload = jwt.decode(
                raw,
                key,
                algorithms=list(config["JWT_DECODE_ALGORITHMS"]),
                audience=AUDIENCE,
                leeway=config["JWT_LEEWAY"],
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidTokenError:
            break
        sub, jti = payload["sub"], payload["jti"]
        if payload["type"] == MFA_TOKEN_TYPE and isinstance(sub, str) and isinstance(jti, str):
            return sub, jti
        break
    raise TokenInvalid(DEAD)
