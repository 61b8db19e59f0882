"""Mail in tests: a real SMTP server on loopback (aiosmtpd), and the links in queued mail."""

from __future__ import annotations

import re
import warnings
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
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


class _Controller(Controller):
    def factory(self):
        """Without TLS on loopback on purpose: aiosmtpd's warning about AUTH without TLS
        (an error under the suite's filterwarnings) does not apply."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


class SmtpServer:
    """An SMTP server on 127.0.0.1 that a test may stop and start again on the same port.

    With `credentials` (user, password) it refuses mail until the client logs in with them
    (AUTH without TLS: loopback only, for the test).
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.credentials = credentials
        self.logins: list[str] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> None:
        auth = {}
        if self.credentials is not None:
            auth = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = _Controller(self.inbox, hostname="127.0.0.1", port=self.port, **auth)
        self._controller.start()

    def _authenticate(self, _server, _session, _envelope, _mechanism, data) -> AuthResult:
        given = (data.login.decode(), data.password.decode())
        if given == self.credentials:
            self.logins.append(given[0])
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

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
