"""The messages the app sends, each in plain text and HTML; links start at PUBLIC_BASE_URL.

A link puts its token in the URL's fragment (`#token=...`): browsers never send a fragment
to a server, so the token stays out of access logs and Referer headers. The page there
posts it back to the API (POST /auth/verify-email, POST /auth/password-reset/confirm).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from flask import current_app


@dataclass(frozen=True, slots=True)
class Message:
    recipient: str
    subject: str
    text: str
    html: str


def link(page: str, token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/{page}#token={token}"


def _message(recipient: str, subject: str, lines: list[str], url: str | None = None) -> Message:
    text = "\n\n".join(lines + ([url] if url else [])) + "\n"
    html = "".join(f"<p>{escape(line)}</p>" for line in lines)
    if url:
        html += f'<p><a href="{escape(url)}">{escape(url)}</a></p>'
    return Message(recipient, subject, text, f"<html><body>{html}</body></html>")


def verification(recipient: str, token: str) -> Message:
    hours = current_app.config["EMAIL_VERIFICATION_EXPIRES"] // 3600
    return _message(
        recipient,
        "Confirm your email address",
        [
            "Please confirm that this is your email address for your Wardrobe account.",
            f"The link works once, for {hours or 1} hour(s):",
        ],
        link("verify-email", token),
    )


def password_reset(recipient: str, token: str) -> Message:
    minutes = current_app.config["PASSWORD_RESET_EXPIRES"] // 60
    return _message(
        recipient,
        "Reset your password",
        [
            "Someone asked to reset the password of your Wardrobe account.",
            "If it was not you, ignore this message: your password stays as it is.",
            f"The link works once, for {minutes} minutes:",
        ],
        link("reset-password", token),
    )


def email_change(recipient: str, token: str) -> Message:
    return _message(
        recipient,
        "Confirm your new email address",
        [
            "Your Wardrobe account asked to use this address from now on.",
            "It changes only once you open this link (it works once):",
        ],
        link("verify-email", token),
    )


def email_change_notice(recipient: str, new_email: str) -> Message:
    return _message(
        recipient,
        "Your email address is about to change",
        [
            f"Your Wardrobe account asked to change its email address to {new_email}.",
            "It changes when the link sent there is used. If this was not you, change "
            "your password now and log out everywhere.",
        ],
    )
