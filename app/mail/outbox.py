"""Queue a message: one INSERT into the outbox, committed with the change that causes it."""

from __future__ import annotations

from flask import current_app

from app.database import utcnow
from app.errors import MailDisabled
from app.extensions import db
from app.mail.messages import Message
from app.mail.models import OutboxMessage


def mail_enabled() -> bool:
    return current_app.config["MAIL_URL"] != "disabled"


def require_mail() -> None:
    """Raises MailDisabled: MAIL_URL=disabled, so an endpoint whose purpose is mail cannot work."""
    if not mail_enabled():
        raise MailDisabled("This server sends no mail (MAIL_URL=disabled).")


def enqueue(message: Message) -> None:
    """Add the message to the outbox (the caller commits); the sender delivers it later."""
    db.session.add(
        OutboxMessage(
            recipient=message.recipient,
            subject=message.subject,
            text_body=message.text,
            html_body=message.html,
        )
    )


def enqueue_nothing() -> None:
    """The same INSERT as `enqueue`, of a row that is never sent (a request for no account)."""
    now = utcnow()
    db.session.add(
        OutboxMessage(
            recipient="", subject="", text_body="", html_body="", next_attempt_at=now, sent_at=now
        )
    )


def cancel_unsent(recipient: str) -> None:
    """Drop the messages not yet sent to `recipient` (an account closed before they left)."""
    db.session.query(OutboxMessage).filter(
        OutboxMessage.recipient == recipient, OutboxMessage.sent_at.is_(None)
    ).delete(synchronize_session=False)
