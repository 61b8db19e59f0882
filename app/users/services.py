"""What user administration does, as plain functions (used by /users and the CLI)."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.identity.models import User
from app.identity.passwords import check_password_policy, passwords
from app.security import sessions


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def create_or_promote_admin(*, email: str, password: str | None) -> tuple[User, bool]:
    """Make `email` an admin: create the user, or promote an existing one.

    An existing user's password changes only when `password` is given. Their access tokens
    carrying the old role become stale at once (the role claim no longer matches). A
    deactivated user is reactivated, but the sessions deactivation ended stay ended.
    Returns the user and whether it was created.
    Raises ValidationFailed: the password breaks the policy.
    Raises ValueError: a new user needs a password.
    Raises ServiceUnavailable: saved, but the session cache (Redis) did not take the change.
    """
    user = find_user_by_email(email)
    created = user is None
    was = (None, None) if user is None else (user.role, user.is_active)
    if created and password is None:
        raise ValueError("a new admin needs a password")
    if password is not None:
        check_password_policy(password, email=email)
    if user is None:
        user = User(email=email, name="", role="admin", password_hash="")
        db.session.add(user)
    elif not user.is_active:
        sessions.revoke_user_sessions(user.id, reason="deactivated")
    user.role = "admin"
    user.is_active = True
    if password is not None:
        user.password_hash = passwords().hash(password)
    db.session.commit()
    if created:
        audit.record("admin_created", user_id=user.id, via="cli")
    else:
        sessions.user_changed(user.id)
        if was[0] != "admin":
            audit.record("role_changed", user_id=user.id, old=was[0], new="admin", via="cli")
        if was[1] is False:
            audit.record("user_activated", user_id=user.id, via="cli")
    return user, created
