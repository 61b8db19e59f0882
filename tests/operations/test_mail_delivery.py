"""Mail through a real SMTP server on loopback: delivery, retries, and requests that never wait."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
import time

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.mail import sender
from app.mail.models import OutboxMessage
from tests.support.backends import free_port
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.mail import SmtpServer, queued, text_of, token_in

BASE_URL = "https://wardrobe.example.com/app"


@pytest.fixture
def app_overrides(smtp_server) -> dict:
    return {"MAIL_URL": smtp_server.url, "PUBLIC_BASE_URL": BASE_URL}


def register(client, email: str = "ada@example.com"):
    response = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deliver(app, *, later_seconds: int = 0) -> int:
    with app.app_context():
        return sender.deliver_due(now=utcnow() + dt.timedelta(seconds=later_seconds))


def test_registration_mail_arrives_with_a_link_that_verifies(app, client, smtp_server):
    user = register(client)
    assert smtp_server.messages == []  # queued by the request, sent only by the sender
    assert deliver(app) == 1
    [message] = smtp_server.messages
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Confirm your email address"
    assert message["From"] == app.config["MAIL_FROM"]
    html = message.get_body(("html",)).get_content()
    text = text_of(message)
    token = token_in(text)
    assert f"{BASE_URL}/verify-email#token={token}" in text
    assert f'href="{BASE_URL}/verify-email#token={token}"' in html
    assert client.post("/auth/verify-email", json={"token": token}).status_code == 204
    tokens = client.post(
        "/auth/login", json={"email": user["email"], "password": PASSWORD}
    ).get_json()
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).get_json()[
        "email_verified"
    ]
    [row] = queued(app, "ada@example.com")
    assert row.sent_at is not None and row.attempts == 1
    assert row.text_body == "" and row.html_body == ""  # the token is not kept once sent
    assert f".outbox-{row.id}@" in message["Message-ID"]  # the row it came from


def test_smtp_outage_delays_mail_and_loses_none(app, client, smtp_server):
    smtp_server.stop()
    register(client)
    assert deliver(app) == 0
    [row] = queued(app, "ada@example.com")
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"
    assert row.next_attempt_at > utcnow()
    assert deliver(app, later_seconds=5) == 0  # backing off: not due yet, not tried again
    assert queued(app, "ada@example.com")[0].attempts == 1
    smtp_server.start()
    assert deliver(app, later_seconds=sender.backoff_seconds(1)) == 1
    assert deliver(app, later_seconds=3600) == 0
    assert len(smtp_server.messages) == 1
    [row] = queued(app, "ada@example.com")
    assert row.sent_at is not None and row.attempts == 2


def test_backoff_doubles_up_to_an_hour():
    assert [sender.backoff_seconds(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert sender.backoff_seconds(50) == sender.BACKOFF_MAX_SECONDS == 3600


def test_two_senders_at_once_send_each_message_once(app, client, smtp_server):
    for n in range(6):
        register(client, f"user{n}@example.com")
    results: list[int] = []

    def run() -> None:
        results.append(deliver(app))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 6
    assert sorted(message["To"] for message in smtp_server.messages) == [
        f"user{n}@example.com" for n in range(6)
    ]


@pytest.fixture
def silent_smtp():
    """A port that accepts connections and never says a word (an SMTP server that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(16)
    yield f"smtp://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/register", {"email": "ada@example.com", "password": PASSWORD}),
        ("/auth/password-reset", {"email": "user1@example.com"}),
    ],
)
def test_no_request_waits_on_smtp(app, client, make_user, silent_smtp, path, body):
    app.config["MAIL_URL"] = silent_smtp
    make_user()
    started = time.monotonic()
    response = client.post(path, json=body)
    assert response.status_code in (201, 202)
    assert time.monotonic() - started < 2  # the SMTP timeout alone is 10 s
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None)))


def test_the_deliver_command_sends_what_is_due(app, client, smtp_server):
    register(client)
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output == "Delivered 1 messages.\n"
    assert len(smtp_server.messages) == 1


def test_watch_keeps_delivering(app, client, smtp_server):
    register(client)
    with app.app_context():
        sender.watch(interval_seconds=0.01, rounds=2)
    assert len(smtp_server.messages) == 1


def test_smtp_credentials_from_mail_url_log_in(app, client):
    server = SmtpServer(credentials=("mailer", "p@ss word"))
    server.start()
    try:
        app.config["MAIL_URL"] = f"smtp://mailer:p%40ss%20word@127.0.0.1:{server.port}"
        register(client)
        assert deliver(app) == 1
    finally:
        server.stop()
    assert server.logins == ["mailer"] and len(server.messages) == 1


def test_wrong_smtp_credentials_are_retried_not_lost(app, client):
    server = SmtpServer(credentials=("mailer", "right"))
    server.start()
    try:
        app.config["MAIL_URL"] = f"smtp://mailer:wrong@127.0.0.1:{server.port}"
        register(client)
        assert deliver(app) == 0
    finally:
        server.stop()
    [row] = queued(app, "ada@example.com")
    assert row.sent_at is None and row.last_error == "SMTPAuthenticationError"


def test_smtp_credentials_never_reach_logs_or_the_outbox(app, client, caplog):
    app.config["MAIL_URL"] = f"smtp://mailer:s3cret-pass@127.0.0.1:{free_port()}"
    register(client)
    with caplog.at_level(logging.DEBUG):
        assert deliver(app) == 0
    assert "s3cret-pass" not in caplog.text
    assert "not delivered" in caplog.text
    assert "s3cret-pass" not in (queued(app, "ada@example.com")[0].last_error or "")


def test_console_transport_logs_the_message_with_its_link(app, client, caplog):
    app.config["MAIL_URL"] = "console"
    register(client)
    with caplog.at_level(logging.INFO, logger="wardrobe.mail"):
        assert deliver(app) == 1
    assert "mail to ada@example.com: Confirm your email address" in caplog.text
    assert f"{BASE_URL}/verify-email#token=" in caplog.text


class TestMailDisabled:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"MAIL_URL": "disabled"}

    def test_registration_works_and_queues_nothing(self, app, client):
        register(client)
        assert queued(app, "ada@example.com") == []
        with app.app_context():
            assert sender.deliver_due() == 0

    def test_mail_endpoints_answer_503(self, client, user, user_headers):
        reset = client.post("/auth/password-reset", json={"email": user.email})
        assert_problem(reset, 503, "mail_disabled")
        resend = client.post("/auth/verify-email/resend", headers=user_headers)
        assert_problem(resend, 503, "mail_disabled")
        change = client.put(
            "/auth/email",
            json={"current_password": PASSWORD, "new_email": "new@example.com"},
            headers=user_headers,
        )
        assert_problem(change, 503, "mail_disabled")


class TestDeliveredInProcess:
    """`make run`: the development server sends its own mail from a thread."""

    @pytest.fixture
    def app_overrides(self, smtp_server) -> dict:
        return {"MAIL_URL": smtp_server.url, "MAIL_DELIVER_IN_PROCESS": True}

    def test_the_web_process_delivers_after_its_first_request(self, app, client, smtp_server):
        try:
            register(client)
            deadline = time.monotonic() + 10
            while not smtp_server.messages and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            app.extensions["mail_sender_stop"].set()
        assert [message["To"] for message in smtp_server.messages] == ["ada@example.com"]
