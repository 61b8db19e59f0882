"""Password reset: the same answer for any email, a single-use link, sessions ended."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from app.database import utcnow
from app.extensions import db
from app.identity.models import AccountLink
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.mail import latest_token, queued

NEW_PASSWORD = "a brand new passphrase"


def ask(client, email: str, **kwargs):
    return client.post("/auth/password-reset", json={"email": email}, **kwargs)


def confirm(client, token: str, password: str = NEW_PASSWORD, **extra):
    return client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": password, **extra}
    )


def comparable(response) -> tuple:
    """Status, headers (but the per-request id) and body."""
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() != "x-request-id")
    return response.status_code, headers, response.get_data()


def test_existing_deactivated_and_unknown_emails_get_the_same_answer(app, client, make_user):
    make_user(email="live@example.com")
    make_user(email="gone@example.com", is_active=False)
    answers = [
        comparable(ask(client, f"{name}example.com")) for name in ("live@", "gone@", "nobody@")
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 202
    assert len(queued(app, "live@example.com")) == 1
    assert queued(app, "gone@example.com") == []
    assert queued(app, "nobody@example.com") == []


def test_the_link_sets_the_password_and_ends_every_session(app, client, user, login):
    tokens = login(user)
    ask(client, user.email)
    assert confirm(client, latest_token(app, user.email)).status_code == 204
    me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert_problem(me, 401, "token_revoked")
    refresh = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refresh.status_code == 401
    old = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_problem(old, 401, "invalid_credentials")
    assert login(user, NEW_PASSWORD)["access_token"]


def test_a_link_works_once(app, client, user):
    ask(client, user.email)
    token = latest_token(app, user.email)
    assert confirm(client, token).status_code == 204
    assert_problem(confirm(client, token, "yet another passphrase"), 400, "link_invalid")


def test_a_newer_request_supersedes_the_older_link(app, client, user):
    ask(client, user.email)
    old = latest_token(app, user.email)
    ask(client, user.email)
    assert_problem(confirm(client, old), 400, "link_invalid")
    assert confirm(client, latest_token(app, user.email)).status_code == 204


def test_a_password_change_voids_the_link(app, client, user, user_headers):
    ask(client, user.email)
    token = latest_token(app, user.email)
    body = {"current_password": PASSWORD, "new_password": "changed the usual way"}
    assert client.put("/auth/password", json=body, headers=user_headers).status_code == 204
    assert_problem(confirm(client, token), 400, "link_invalid")


def test_an_expired_link_is_refused(app, client, user):
    ask(client, user.email)
    token = latest_token(app, user.email)
    with app.app_context():
        db.session.execute(update(AccountLink).values(expires_at=utcnow() - dt.timedelta(1)))
        db.session.commit()
    assert_problem(confirm(client, token), 400, "link_invalid")


def test_a_tampered_token_is_refused(app, client, user):
    ask(client, user.email)
    token = latest_token(app, user.email)
    assert_problem(confirm(client, token[::-1]), 400, "link_invalid")
    assert_problem(confirm(client, token + "A"), 400, "link_invalid")


def test_a_verification_link_is_no_reset_link(app, client):
    client.post("/auth/register", json={"email": "ada@example.com", "password": PASSWORD})
    assert_problem(confirm(client, latest_token(app, "ada@example.com")), 400, "link_invalid")


def test_a_password_against_the_policy_is_422_and_keeps_the_link(app, client, user):
    ask(client, user.email)
    token = latest_token(app, user.email)
    body = assert_problem(confirm(client, token, "password"), 422, "validation_error")
    assert "new_password" in body["errors"]
    assert_problem(confirm(client, token, user.email), 422, "validation_error")
    assert confirm(client, token).status_code == 204


def test_a_deactivated_accounts_link_is_refused(app, client, user, admin_headers):
    ask(client, user.email)
    token = latest_token(app, user.email)
    client.patch(f"/users/{user.id}", json={"is_active": False}, headers=admin_headers)
    assert_problem(confirm(client, token), 400, "link_invalid")


def test_second_factor_fields_are_ignored_without_one_time_pins(app, client, user):
    """An account without one-time pins is asked for nothing more (tests/accounts/
    test_second_factor_gates.py: accounts with them)."""
    ask(client, user.email)
    token = latest_token(app, user.email)
    assert confirm(client, token, code="123456", recovery_code="abcd-efgh").status_code == 204


def test_using_the_link_proves_the_mailbox(app, client, user, login):
    ask(client, user.email)
    confirm(client, latest_token(app, user.email))
    headers = bearer(login(user, NEW_PASSWORD)["access_token"])
    assert client.get("/auth/me", headers=headers).get_json()["email_verified"] is True


class TestRateLimits:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"PASSWORD_RESET_RATE_LIMIT": "2 per hour"}

    def test_per_email_from_any_address_normalised(self, client, user):
        spellings = [user.email, user.email.upper(), f"  {user.email}  "]
        statuses = [
            ask(client, email, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
            for n, email in enumerate(spellings, 1)
        ]
        assert statuses == [202, 202, 429]

    def test_per_address_across_emails(self, client):
        statuses = [ask(client, f"someone{n}@example.com").status_code for n in range(3)]
        assert statuses == [202, 202, 429]
