"""What user administration does, as plain functions (used by /users and the CLI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, or_, select

from app import audit
from app.database import LIKE_ESCAPE, like_escaped
from app.errors import LastAdmin, NotFound
from app.extensions import db
from app.identity.models import USER_PUBLIC_COLUMNS, User
from app.identity.passwords import check_password_policy, passwords
from app.pagination import Listing, PageRequest
from app.security import sessions


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def create_or_promote_admin(*, email: str, password: str | None) -> tuple[User, bool]:
    """Make `email` an admin: create the user, or promote an existing one.

    An existing user's password changes only when `password` is given, and then every session
    of the user ends in the same commit, as after a password change (whoever knew the old
    password may hold one). Their access tokens carrying the old role become stale at once
    (the role claim no longer matches). A deactivated user is reactivated, but the sessions
    deactivation ended stay ended. Every change is audited with via="cli".
    Returns the user and whether it was created.
    Raises ValidationFailed: the password breaks the policy.
    Raises ValueError: a new user needs a password.
    Raises ServiceUnavailable: saved, but the session cache (Redis) did not take the change.
    """
    user = find_user_by_email(email)
    if user is None and password is None:
        raise ValueError("a new admin needs a password")
    if password is not None:
        check_password_policy(password, email=email)
    if user is None:
        user = User(email=email, name="", role="admin", password_hash=passwords().hash(password))
        db.session.add(user)
        db.session.commit()
        audit.record("admin_created", user_id=user.id, via="cli")
        return user, True
    was_role, was_active = user.role, user.is_active
    if not was_active:
        sessions.revoke_user_sessions(user.id, reason="deactivated")
    user.role, user.is_active = "admin", True
    if password is None:
        db.session.commit()
        sessions.user_changed(user.id)
    else:
        user.password_hash = passwords().hash(password)
        sessions.revoke_user_sessions(user.id, reason="password_set")  # commits the hash too
        audit.record("password_set", user_id=user.id, via="cli")
    if was_role != "admin":
        audit.record("role_changed", user_id=user.id, old=was_role, new="admin", via="cli")
    if not was_active:
        audit.record("user_activated", user_id=user.id, via="cli")
    return user, False


_users = User.__table__.c

# GET /users: each filter is a condition on a bound parameter of its own name.
USERS = Listing(
    User.__table__,
    columns=[_users[column.key] for column in USER_PUBLIC_COLUMNS],
    filters={
        "role": _users.role == bindparam("role"),
        "is_active": _users.is_active == bindparam("is_active"),
        "q": or_(
            _users.email.icontains(bindparam("q"), escape=LIKE_ESCAPE),
            _users.name.icontains(bindparam("q"), escape=LIKE_ESCAPE),
        ),
    },
)


def list_users(
    *,
    page: PageRequest,
    role: str | None = None,
    is_active: bool | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """One page of the users matching every given filter: {"items", "next_cursor"}."""
    filters = {"role": role, "is_active": is_active, "q": like_escaped(q) if q else None}
    return USERS.page(page, filters)


def get_user(user_id: int) -> User:
    """Raises NotFound: no user has this id."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No user has this id.")
    return user


def update_user(
    user_id: int,
    *,
    role: str | None = None,
    is_active: bool | None = None,
    name: str | None = None,
) -> User:
    """Change a user's role, active flag or name (None: leave as is), and commit.

    A new role makes the user's access tokens stale at once (authentication compares the
    token's role claim with the row); their refresh token still works and yields the new
    role. A deactivation ends every session of the user in the same commit; a reactivation
    brings none back. Each is audited (user_deactivated, user_activated, role_changed).
    Raises NotFound: no user has this id.
    Raises LastAdmin: the change would leave no active admin.
    Raises ServiceUnavailable: saved, but the session cache (Redis) did not take the change.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No user has this id.")
    old_role = user.role
    stops_being_admin = (
        user.role == "admin" and user.is_active and (role == "user" or is_active is False)
    )
    deactivated = user.is_active and is_active is False
    activated = not user.is_active and is_active is True
    for field, value in (("role", role), ("is_active", is_active), ("name", name)):
        if value is not None:
            setattr(user, field, value)
    if stops_being_admin:
        # Write first, then look. The UPDATE takes SQLite's write lock (a row lock on
        # PostgreSQL), so a concurrent demotion has either committed before the check below
        # sees it, or waits for this transaction: two admins demoting each other at the
        # same moment cannot both succeed.
        db.session.flush()
        if not _another_active_admin(user.id):
            db.session.rollback()
            raise LastAdmin("Promote another user to admin first.")
    if deactivated:
        sessions.revoke_user_sessions(user.id, reason="deactivated")  # commits the row too
        audit.record("user_deactivated", user_id=user.id)
    else:
        db.session.commit()
    sessions.user_changed(user.id)
    if user.role != old_role:
        audit.record("role_changed", user_id=user.id, old=old_role, new=user.role)
    if activated:
        audit.record("user_activated", user_id=user.id)
    return user


def _another_active_admin(user_id: int) -> bool:
    """Whether an active admin other than `user_id` exists.

    FOR UPDATE matters on PostgreSQL, where a plain read would not see (or wait for) another
    transaction's uncommitted demotion; SQLite ignores it and needs no more.
    """
    statement = (
        select(User.id)
        .where(User.role == "admin", User.is_active.is_(True), User.id != user_id)
        .with_for_update()
    )
    return db.session.execute(statement).first() is not None
