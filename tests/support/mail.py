"""Mail in tests: a real SMTP server on loopback (aiosmtpd), and the links in queued mail."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.mail.models import OutboxMessage
from tests.support.backends import free_port

TOKEN = re.compile(r"#token=([A-Za-z0-9_-]+)")


class Inbox:
    """aiosmtpd's handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server on 127.0.0.1 that a test may stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return body.get_content()


def token_in(text: str) -> str:
    match = TOKEN.search(text)
    assert match, text
    return match.group(1)


def queued(app: Flask, recipient: str) -> list[OutboxMessage]:
    """The messages queued for `recipient`, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)
            )
        )


def latest_token(app: Flask, recipient: str) -> str:
    """The token in the newest message queued for `recipient`."""
    messages = [message for message in queued(app, recipient) if TOKEN.search(message.text_body)]
    assert messages, f"no link queued for {recipient}"
    return token_in(messages[-1].text_body)
