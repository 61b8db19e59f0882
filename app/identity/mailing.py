"""Issue a mailed link and queue its message, in the caller's transaction (it commits)."""

from __future__ import annotations

from flask import current_app

from app.identity import links
from app.identity.models import User
from app.mail import messages, outbox


def queue_verification(user: User) -> None:
    """A link that proves `user.email`; voids the user's older verification links."""
    token = links.issue(
        user.id,
        purpose=links.VERIFY_EMAIL,
        email=user.email,
        lifetime_seconds=current_app.config["EMAIL_VERIFICATION_EXPIRES"],
    )
    outbox.enqueue(messages.verification(user.email, token))


def queue_password_reset(user: User | None) -> None:
    """A reset link for `user`, or (None) the same statements writing inert rows."""
    token = links.issue(
        user.id if user is not None else None,
        purpose=links.PASSWORD_RESET,
        email=user.email if user is not None else "",
        lifetime_seconds=current_app.config["PASSWORD_RESET_EXPIRES"],
    )
    if user is None:
        outbox.enqueue_nothing()
    else:
        outbox.enqueue(messages.password_reset(user.email, token))


def queue_email_change(user: User, new_email: str) -> None:
    """A link to `new_email` that makes it the user's email, and a notice to the old one."""
    token = links.issue(
        user.id,
        purpose=links.CHANGE_EMAIL,
        email=new_email,
        lifetime_seconds=current_app.config["EMAIL_VERIFICATION_EXPIRES"],
    )
    outbox.enqueue(messages.email_change(new_email, token))
    outbox.enqueue(messages.email_change_notice(user.email, new_email))
