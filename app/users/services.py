"""What user administration does, as plain functions (used by /users and the CLI)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.identity.models import User
from app.identity.passwords import check_password_policy, passwords
from app.security import sessions


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def create_or_promote_admin(*, email: str, password: str | None) -> tuple[User, bool]:
    """Make `email` an admin: create the user, or promote an existing one.

    An existing user's password changes only when `password` is given. Their access tokens
    carrying the old role become stale at once (the role claim no longer matches).
    Returns the user and whether it was created.
    Raises ValidationFailed: the password breaks the policy.
    Raises ValueError: a new user needs a password.
    Raises ServiceUnavailable: saved, but the session cache (Redis) did not take the change.
    """
    user = find_user_by_email(email)
    created = user is None
    if created and password is None:
        raise ValueError("a new admin needs a password")
    if password is not None:
        check_password_policy(password, email=email)
    if user is None:
        user = User(email=email, name="", role="admin", password_hash="")
        db.session.add(user)
    user.role = "admin"
    user.is_active = True
    if password is not None:
        user.password_hash = passwords().hash(password)
    db.session.commit()
    if not created:
        sessions.user_changed(user.id)
    return user, created
