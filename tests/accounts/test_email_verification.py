"""Email verification: the mailed link, resending it, and logins that require it."""

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


def register(client, email: str = "ada@example.com") -> dict:
    response = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def log_in(client, email: str = "ada@example.com"):
    return client.post("/auth/login", json={"email": email, "password": PASSWORD})


def verify(client, token: str):
    return client.post("/auth/verify-email", json={"token": token})


def expire_links(app) -> None:
    with app.app_context():
        past = utcnow() - dt.timedelta(seconds=1)
        db.session.execute(update(AccountLink).values(expires_at=past))
        db.session.commit()


def test_register_queues_a_link_that_verifies_once(app, client):
    assert register(client)["email_verified"] is False
    token = latest_token(app, "ada@example.com")
    assert verify(client, token).status_code == 204
    headers = bearer(log_in(client).get_json()["access_token"])
    assert client.get("/auth/me", headers=headers).get_json()["email_verified"] is True
    assert_problem(verify(client, token), 400, "link_invalid")  # used


@pytest.mark.parametrize("mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), str.upper])
def test_a_tampered_token_is_refused(app, client, mangle):
    register(client)
    token = latest_token(app, "ada@example.com")
    assert_problem(verify(client, mangle(token)), 400, "link_invalid")
    assert verify(client, token).status_code == 204  # the real one still works


def test_an_expired_link_is_refused(app, client):
    register(client)
    token = latest_token(app, "ada@example.com")
    expire_links(app)
    assert_problem(verify(client, token), 400, "link_invalid")


def test_resend_supersedes_the_old_link(app, client):
    register(client)
    old = latest_token(app, "ada@example.com")
    headers = bearer(log_in(client).get_json()["access_token"])
    response = client.post("/auth/verify-email/resend", headers=headers)
    assert response.status_code == 202
    new = latest_token(app, "ada@example.com")
    assert new != old and len(queued(app, "ada@example.com")) == 2
    assert_problem(verify(client, old), 400, "link_invalid")
    assert verify(client, new).status_code == 204
    again = client.post("/auth/verify-email/resend", headers=headers)
    assert again.status_code == 204 and again.get_data() == b""
    assert len(queued(app, "ada@example.com")) == 2  # verified: nothing more is sent


def test_resend_needs_an_access_token(client):
    assert_problem(client.post("/auth/verify-email/resend"), 401, "token_missing")


def test_a_link_of_a_deactivated_account_is_refused(app, client, admin_headers):
    user = register(client)
    token = latest_token(app, "ada@example.com")
    client.patch(f"/users/{user['id']}", json={"is_active": False}, headers=admin_headers)
    assert_problem(verify(client, token), 400, "link_invalid")


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": "x" * 101}, {"token": 5}])
def test_a_malformed_body_is_a_422(client, body):
    assert_problem(client.post("/auth/verify-email", json=body), 422, "validation_error")


def test_users_list_shows_email_verified(app, client, admin_headers):
    register(client)
    verify(client, latest_token(app, "ada@example.com"))
    items = client.get("/users", headers=admin_headers).get_json()["items"]
    assert {item["email"]: item["email_verified"] for item in items} == {
        "admin@example.com": False,
        "ada@example.com": True,
    }


class TestRequireVerifiedEmail:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"REQUIRE_VERIFIED_EMAIL": True}

    def test_login_of_an_unverified_account_is_403_until_verified(self, app, client):
        register(client)
        assert_problem(log_in(client), 403, "email_unverified")
        wrong = client.post("/auth/login", json={"email": "ada@example.com", "password": "x" * 9})
        assert_problem(wrong, 401, "invalid_credentials")  # no hint without the password
        assert verify(client, latest_token(app, "ada@example.com")).status_code == 204
        assert log_in(client).status_code == 200

    def test_the_token_endpoint_refuses_with_oauth_invalid_grant(self, client):
        register(client)
        form = {"grant_type": "password", "username": "ada@example.com", "password": PASSWORD}
        body = assert_problem(client.post("/auth/token", data=form), 400, "email_unverified")
        assert body["error"] == "invalid_grant"
