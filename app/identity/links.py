"""Links mailed to a user: verify the email, reset the password, confirm a new email.

A link carries a token of 32 random bytes; only its SHA-256 is stored, and a token is found
by that hash (an indexed lookup compares digests, never the secret itself). A link works
once (`use` is a conditional UPDATE: of two concurrent uses exactly one matches), until it
expires, and only while it is the newest of its kind for the user: issuing one voids the
older ones, as do a password change (reset links) and closing the account (all).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from app.database import rows_matched, utcnow
from app.extensions import db
from app.identity.models import AccountLink

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose's name
CHANGE_EMAIL = "change_email"
PURPOSES = (VERIFY_EMAIL, PASSWORD_RESET, CHANGE_EMAIL)
TOKEN_MAX = 100  # a token is 43 characters; longer input is no token of ours


@dataclass(frozen=True, slots=True)
class Link:
    id: int
    user_id: int
    purpose: str
    email: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user_id: int | None, *, purpose: str, email: str, lifetime_seconds: int) -> str:
    """Void the user's older links of this purpose and add a new one; returns its token.

    Two statements (an UPDATE, an INSERT at flush) whether or not `user_id` names a user:
    None writes an inert link (used already) so that a request for an unknown account costs
    the same. The caller commits.
    """
    void(user_id if user_id is not None else 0, purpose)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AccountLink(
            user_id=user_id,
            purpose=purpose,
            token_hash=token_hash(token),
            email=email if user_id is not None else "",
            created_at=now,
            expires_at=now + dt.timedelta(seconds=lifetime_seconds),
            used_at=None if user_id is not None else now,
        )
    )
    return token


def void(user_id: int, *purposes: str) -> int:
    """Make every unused link of the user (of these purposes; none given: all) unusable."""
    condition = (AccountLink.user_id == user_id) & AccountLink.used_at.is_(None)
    if purposes:
        condition &= AccountLink.purpose.in_(purposes)
    return rows_matched(
        update(AccountLink)
        .where(condition)
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def find(token: str, *purposes: str) -> Link | None:
    """The usable link this token names (unused, unexpired, one of `purposes`), or None."""
    if not token or len(token) > TOKEN_MAX:
        return None
    row = db.session.execute(
        select(AccountLink.id, AccountLink.user_id, AccountLink.purpose, AccountLink.email).where(
            AccountLink.token_hash == token_hash(token),
            AccountLink.purpose.in_(purposes),
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > utcnow(),
            AccountLink.user_id.is_not(None),
        )
    ).first()
    return None if row is None else Link(row.id, row.user_id or 0, row.purpose, row.email)


def use(link: Link) -> bool:
    """Mark the link used; False when another request used (or voided) it first."""
    return (
        rows_matched(
            update(AccountLink)
            .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        == 1
    )
