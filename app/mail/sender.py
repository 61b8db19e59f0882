"""Deliver the outbox: each due row is claimed, handed to the transport, and marked sent.

A claim is a conditional UPDATE that moves the row's next attempt a lease ahead, so of two
senders (two `--watch` processes, or a web thread and a command) only one takes a row. A
failure (SMTP down, refused, timed out) counts an attempt and backs off exponentially, up to
an hour; a row is retried until it goes, so an outage delays mail and loses none. A sender
that dies between the hand-over and marking the row sent leaves it to be sent again after
the lease: delivery is at least once, and exactly once whenever the sender lives.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import current_app
from sqlalchemy import select, update

from app.database import rows_matched, utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.transports import Transport, email_message, transport_for

log = logging.getLogger("wardrobe.mail")

LEASE_SECONDS = 120
BACKOFF_FIRST_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600
BATCH = 50


def backoff_seconds(attempts: int) -> int:
    """10 s, 20 s, 40 s... after the 1st, 2nd, 3rd failure; never more than an hour."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** min(attempts - 1, 20))


def deliver_due(*, now: dt.datetime | None = None, transport: Transport | None = None) -> int:
    """Send every message due at `now` (default: now); returns how many were sent."""
    mail_url = current_app.config["MAIL_URL"]
    if mail_url in (None, "disabled"):
        return 0
    transport = transport or transport_for(mail_url)
    now = now or utcnow()
    sent = 0
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(BATCH)
    ).all()
    db.session.commit()
    for message_id in due:
        sent += _deliver_one(message_id, now=now, transport=transport)
    return sent


def _deliver_one(message_id: int, *, now: dt.datetime, transport: Transport) -> int:
    claimed = rows_matched(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + dt.timedelta(seconds=LEASE_SECONDS))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not claimed:
        return 0
    row = db.session.get_one(OutboxMessage, message_id, populate_existing=True)
    message = email_message(
        outbox_id=row.id,
        sender=current_app.config["MAIL_FROM"],
        recipient=row.recipient,
        subject=row.subject,
        text=row.text_body,
        html=row.html_body,
    )
    try:
        transport(message)
    except Exception as error:
        row.attempts += 1
        row.last_error = type(error).__name__[:100]
        row.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(row.attempts))
        db.session.commit()
        log.warning(
            "mail %s not delivered (attempt %s, %s); retrying later",
            row.id,
            row.attempts,
            row.last_error,
        )
        return 0
    row.sent_at, row.text_body, row.html_body = utcnow(), "", ""
    row.attempts += 1
    db.session.commit()
    log.info("mail %s delivered", row.id)
    return 1


def watch(
    *,
    interval_seconds: float,
    rounds: int | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Deliver until `stop` is set (or `rounds` times), pausing `interval_seconds` when
    nothing was due."""
    stop = stop or threading.Event()
    done = 0
    while (rounds is None or done < rounds) and not stop.is_set():
        done += 1
        try:
            if deliver_due():
                continue
        except Exception:  # the database may be down for a while: keep watching
            db.session.rollback()
            log.exception("mail delivery round failed")
        stop.wait(interval_seconds)
