"""Mailed links: verify an email (or a new one), ask for and confirm a password reset.

Plain functions: no request, no responses, only domain errors. Each commits the link, the
change it makes and the mail it queues together.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.second_factor import check_second_factor
from app.errors import EmailTaken, LinkInvalid
from app.extensions import db
from app.identity import links
from app.identity.mailing import queue_password_reset, queue_verification
from app.identity.models import User
from app.identity.passwords import check_password_policy, passwords
from app.mail.outbox import require_mail
from app.security import sessions
from app.security.authentication import Principal

LINK_INVALID = "This link is unknown, used, replaced by a newer one, or expired."


def _user_of(link: links.Link | None) -> tuple[links.Link, User]:
    """Raises LinkInvalid: no usable link, or its account is closed or deactivated."""
    user = db.session.get(User, link.user_id) if link is not None else None
    if link is None or user is None or not user.is_active:
        db.session.rollback()
        raise LinkInvalid(LINK_INVALID)
    return link, user


def verify_email(token: str) -> None:
    """Use a verification or email-change link: the address it went to is proven.

    Raises LinkInvalid: the token names no usable link (unknown, used, superseded,
    expired, altered), or the account's address changed since the link was sent.
    Raises EmailTaken: (email change) another account took the address meanwhile.
    """
    link, user = _user_of(links.find(token, links.VERIFY_EMAIL, links.CHANGE_EMAIL))
    if not links.use(link) or (link.purpose == links.VERIFY_EMAIL and link.email != user.email):
        db.session.rollback()
        raise LinkInvalid(LINK_INVALID)
    old_email = user.email
    if link.email != old_email:
        links.void(user.id)  # whatever was mailed to the old address
    user.email, user.email_verified = link.email, True
    try:
        db.session.commit()
    except IntegrityError:  # two accounts confirmed the same new address: the index decides
        db.session.rollback()
        raise EmailTaken("Another account uses this email now.") from None
    if link.email != old_email:
        audit.record("email_changed", user_id=user.id)
    else:
        audit.record("email_verified", user_id=user.id)


def resend_verification(principal: Principal) -> bool:
    """Queue a new verification link (the older ones stop working); False: verified already.

    Raises MailDisabled: MAIL_URL=disabled.
    """
    require_mail()
    user = principal.load_user()
    if user.email_verified:
        return False
    queue_verification(user)
    db.session.commit()
    audit.record("verification_sent", user_id=user.id)
    return True


def request_password_reset(email: str) -> None:
    """Queue a reset link for the active account with this email, if there is one.

    The same statements run, and no password hash is touched, whether the account exists,
    is deactivated or is unknown (inert rows stand in for the link and the message), so
    neither the answer nor its timing tells them apart.
    Raises MailDisabled: MAIL_URL=disabled.
    """
    require_mail()
    user = db.session.scalar(select(User).where(User.email == email))
    account = user if user is not None and user.is_active else None
    queue_password_reset(account)
    db.session.commit()
    audit.record("password_reset_requested", user_id=account.id if account else None)


def confirm_password_reset(
    *, token: str, new_password: str, code: str | None = None, recovery_code: str | None = None
) -> None:
    """Set the password through a reset link; every session ends and every reset link dies.

    The link is used only once the new password passes the policy (and the second factor),
    so a refused attempt can be corrected with the same link. The mailbox is proven too.
    Raises LinkInvalid: no usable reset link (see verify_email).
    Raises ValidationFailed: the new password breaks the policy.
    Raises MfaProofRequired, MfaInvalid: one-time pins are on and no right pin came with it.
    Raises SavedNotYetEverywhere: saved, but the session cache (Redis) did not take it.
    """
    link, user = _user_of(links.find(token, links.PASSWORD_RESET))
    check_password_policy(new_password, email=user.email, field="new_password")
    check_second_factor(user, code=code, recovery_code=recovery_code)
    if not links.use(link):
        db.session.rollback()
        raise LinkInvalid(LINK_INVALID)
    links.void(user.id, links.PASSWORD_RESET)
    user.password_hash = passwords().hash(new_password)
    user.email_verified = user.email_verified or link.email == user.email
    with audit.recorded("password_reset", user_id=user.id):
        sessions.revoke_user_sessions(user.id, reason="password_reset")  # commits it all
