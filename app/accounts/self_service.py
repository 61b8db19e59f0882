"""What a user changes about their own account: name, email, or closing it."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.accounts.second_factor import check_second_factor
from app.errors import EmailTaken, ValidationFailed, WrongPassword
from app.extensions import db
from app.identity import links
from app.identity.admins import check_another_admin_remains, is_active_admin, lock_active_admins
from app.identity.events import account_closed
from app.identity.mailing import queue_email_change
from app.identity.models import User
from app.identity.passwords import passwords
from app.mail.outbox import cancel_unsent, require_mail
from app.security import sessions
from app.security.authentication import Principal

# Verifies against no password: argon2 refuses it as a hash, so a closed account has none.
NO_PASSWORD = "!closed"  # noqa: S105 - no password: a marker that matches none  # noqa: S105 - no password: a marker that matches none


def update_profile(principal: Principal, *, name: str | None = None) -> User:
    user = principal.load_user()
    if name is not None and name != user.name:
        user.name = name
        db.session.commit()
        audit.record("profile_changed", user_id=user.id)
    return user


def _check_password(user: User, password: str) -> None:
    if not passwords().verify(user.password_hash, password):
        raise WrongPassword("The current password is wrong.")


def request_email_change(principal: Principal, *, current_password: str, new_email: str) -> None:
    """Mail a confirmation link to `new_email` (it takes effect when used) and tell the old one.

    Raises MailDisabled: MAIL_URL=disabled.
    Raises WrongPassword: `current_password` does not match.
    Raises ValidationFailed: `new_email` is the current email.
    Raises EmailTaken: another account has `new_email`.
    """
    require_mail()
    user = principal.load_user()
    _check_password(user, current_password)
    if new_email == user.email:
        raise ValidationFailed({"new_email": ["Is your current email already."]})
    if db.session.scalar(select(User.id).where(User.email == new_email)) is not None:
        raise EmailTaken("Another account uses this email.")
    queue_email_change(user, new_email)
    db.session.commit()
    audit.record("email_change_requested", user_id=user.id)


def close_account(principal: Principal, *, current_password: str, code: str | None = None) -> None:
    """Deactivate and scrub the caller's account, end its sessions, free its email.

    The row stays (the audit trail names it), without name, email, password or links;
    whatever other features keep for the account goes in the same transaction
    (`account_closed` receivers).
    Raises WrongPassword: `current_password` does not match.
    Raises MfaProofRequired, MfaInvalid: the account has one-time pins on and no right `code`.
    Raises LastAdmin: the caller is the last active admin.
    Raises SavedNotYetEverywhere: closed, but the session cache (Redis) did not take it.
    """
    user = principal.load_user()
    _check_password(user, current_password)
    check_second_factor(user, code=code, recovery_code=None)
    if is_active_admin(user):
        lock_active_admins()
        db.session.refresh(user)  # another demotion may have committed while we waited
    was_admin, old_email = is_active_admin(user), user.email
    user.is_active, user.email_verified, user.name = False, False, ""
    user.email, user.password_hash = f"closed-{user.id}@closed.invalid", NO_PASSWORD
    if was_admin:
        check_another_admin_remains(user)
    links.void(user.id)
    cancel_unsent(old_email)
    account_closed.send(None, user_id=user.id)
    with audit.recorded("account_closed", user_id=user.id):
        sessions.revoke_user_sessions(user.id, reason="account_closed")  # commits it all
