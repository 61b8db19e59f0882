"""The outbox: every message the app sends, written in the transaction of its cause."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime, utcnow
from app.extensions import Model


class OutboxMessage(Model):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The sender's scan: unsent rows in the order they became due.
        Index("ix_mail_outbox_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty for the inert stand-in of a password reset for an unknown email (never sent).
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    # Emptied once sent: the bodies of some messages hold a link's token.
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The kind of the last failure (an exception's class name), never its text.
    last_error: Mapped[str | None] = mapped_column(String(100))
