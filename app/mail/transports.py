"""MAIL_URL as a way to hand a message over: SMTP (with STARTTLS or TLS, and credentials) or
the console (development: the message, links included, is logged).

Errors carry no credentials: the sender records only an exception's class name.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

log = logging.getLogger("wardrobe.mail")

SMTP_TIMEOUT_SECONDS = 10

Transport = Callable[[EmailMessage], None]


def email_message(
    *, outbox_id: int, sender: str, recipient: str, subject: str, text: str, html: str
) -> EmailMessage:
    """The message of outbox row `outbox_id`, whose id its Message-ID carries (`outbox-N`)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    domain = sender.rsplit("@", 1)[-1].strip(">") or None
    message["Message-ID"] = make_msgid(idstring=f"outbox-{outbox_id}", domain=domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def transport_for(mail_url: str) -> Transport:
    """The transport MAIL_URL names (validated by config.py)."""
    if mail_url == "console":
        return console
    parts = urlsplit(mail_url)
    host, port = parts.hostname or "", parts.port
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else ""
    starttls = parts.query == "starttls=true"
    implicit_tls = parts.scheme == "smtps"

    def send_smtp(message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp = (
            smtplib.SMTP_SSL(host, port or 465, timeout=SMTP_TIMEOUT_SECONDS, context=context)
            if implicit_tls
            else smtplib.SMTP(host, port or 25, timeout=SMTP_TIMEOUT_SECONDS)
        )
        with smtp:
            if starttls:
                smtp.starttls(context=context)
            if user is not None:
                smtp.login(user, password)
            smtp.send_message(message)

    return send_smtp


def console(message: EmailMessage) -> None:
    """Development only (production refuses MAIL_URL=console): the message, link and all."""
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    log.info("mail to %s: %s\n%s", message["To"], message["Subject"], text)
