"""What user administration does, as plain functions (used by /users and the CLI).

Writes, and the reads that feed them, go through db.session; the reads /users serves are in
queries.py.
"""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.errors import NotFound, SavedNotYetEverywhere
from app.extensions import db
from app.identity.admins import check_another_admin_remains, is_active_admin, lock_active_admins
from app.identity.models import User
from app.identity.passwords import check_password_policy, passwords
from app.security import second_factor, sessions


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
    Raises SavedNotYetEverywhere: saved, but the session cache (Redis) did not take the change.
    """
    user = find_user_by_email(email)
    if password is not None:
        check_password_policy(password, email=email)
    if user is None:
        if password is None:
            raise ValueError("a new admin needs a password")
        user = User(email=email, name="", role="admin", password_hash=passwords().hash(password))
        db.session.add(user)
        db.session.commit()
        audit.record("admin_created", user_id=user.id, via="cli")
        return user, True
    was_role, was_active = user.role, user.is_active
    user.role, user.is_active = "admin", True
    if password is not None:
        user.password_hash = passwords().hash(password)
    end_sessions_because = (
        "password_set" if password is not None else None if was_active else "deactivated"
    )
    try:
        _commit_and_tell_cache(user.id, end_sessions_because=end_sessions_because)
    except SavedNotYetEverywhere:
        _audit_promotion(user, was_role=was_role, was_active=was_active, password=password)
        raise
    _audit_promotion(user, was_role=was_role, was_active=was_active, password=password)
    return user, False


def _audit_promotion(user: User, *, was_role: str, was_active: bool, password: str | None) -> None:
    if password is not None:
        audit.record("password_set", user_id=user.id, via="cli")
    if was_role != "admin":
        audit.record("role_changed", user_id=user.id, old=was_role, new="admin", via="cli")
    if not was_active:
        audit.record("user_activated", user_id=user.id, via="cli")


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
    role. A deactivation ends every session of the user in the same commit; repeating it
    ends them again in the cache (the repair after a 503), but is audited once. A
    reactivation brings no session back. Each change is audited (user_deactivated,
    user_activated, role_changed).
    Raises NotFound: no user has this id.
    Raises LastAdmin: the change would leave no active admin.
    Raises SavedNotYetEverywhere: saved, but the session cache (Redis) did not take the change.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No user has this id.")
    if is_active_admin(user) and (role == "user" or is_active is False):
        lock_active_admins()
        db.session.refresh(user)  # another demotion may have committed while we waited
    old_role, was_active = user.role, user.is_active
    stops_being_admin = is_active_admin(user) and (role == "user" or is_active is False)
    for field, value in (("role", role), ("is_active", is_active), ("name", name)):
        if value is not None:
            setattr(user, field, value)
    if stops_being_admin:
        check_another_admin_remains(user)
    try:
        ended = "deactivated" if is_active is False else None  # every time: repairs the cache
        _commit_and_tell_cache(user.id, end_sessions_because=ended)
    except SavedNotYetEverywhere:
        _audit_user_change(user, old_role=old_role, was_active=was_active)
        raise
    _audit_user_change(user, old_role=old_role, was_active=was_active)
    return user


def reset_second_factor(user_id: int) -> None:
    """Turn a user's one-time pins off (lost authenticator and codes) and end their sessions.

    Raises NotFound: no such user, or their one-time pins are not on.
    Raises SavedNotYetEverywhere: committed, but the session cache did not take it.
    """
    user = db.session.get(User, user_id)
    if user is None or not second_factor.has_totp(user):
        raise NotFound("No user with this id has one-time pins on.")
    second_factor.turn_off(user)
    with audit.recorded("mfa_reset", user_id=user.id):
        sessions.revoke_user_sessions(user.id, reason="mfa_reset")  # commits the row too


def _audit_user_change(user: User, *, old_role: str, was_active: bool) -> None:
    """One event per real change: repeating a PATCH that changes nothing writes none."""
    if was_active and not user.is_active:
        audit.record("user_deactivated", user_id=user.id)
    if not was_active and user.is_active:
        audit.record("user_activated", user_id=user.id)
    if user.role != old_role:
        audit.record("role_changed", user_id=user.id, old=old_role, new=user.role)


def _commit_and_tell_cache(user_id: int, *, end_sessions_because: str | None) -> None:
    """Commit the user's row, ending every session of theirs when given a reason, then the cache.

    Ending them again when they were ended already costs nothing and repairs a cache that
    missed it (the retry after a 503).
    Raises SavedNotYetEverywhere: committed, but the session cache (Redis) did not take it.
    """
    if end_sessions_because is not None:
        sessions.revoke_user_sessions(user_id, reason=end_sessions_because)  # commits the row
    else:
        db.session.commit()
        sessions.user_changed(user_id)
