"""What a user changes about their own account: name, email (proven by a link), closing it."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.database import utcnow
from app.extensions import db
from app.identity.events import account_closed
from app.identity.models import AccountLink, User
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.mail import latest_token, queued

NEW = "new@example.com"


def change_email(client, headers, new_email: str = NEW, password: str = PASSWORD):
    body = {"current_password": password, "new_email": new_email}
    return client.put("/auth/email", json=body, headers=headers)


def close(client, headers, password: str = PASSWORD):
    return client.delete("/auth/me", json={"current_password": password}, headers=headers)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/auth/me", {"name": "Ada"}),
        ("delete", "/auth/me", {"current_password": PASSWORD}),
        ("put", "/auth/email", {"current_password": PASSWORD, "new_email": NEW}),
        ("post", "/auth/verify-email/resend", None),
    ],
)
@pytest.mark.parametrize(("role", "allowed"), [(None, False), ("user", True), ("admin", True)])
def test_every_role_may_manage_its_own_account_anonymous_may_not(
    client, headers_for, admin, method, path, body, role, allowed
):
    response = getattr(client, method)(path, json=body, headers=headers_for(role))
    if allowed:
        assert response.status_code in (200, 202, 204), response.get_json()
    else:
        assert_problem(response, 401, "token_missing")


def test_patch_me_changes_the_name_only(client, user, user_headers):
    response = client.patch("/auth/me", json={"name": "  Ada Lovelace "}, headers=user_headers)
    assert response.status_code == 200
    assert response.get_json()["name"] == "Ada Lovelace"
    assert response.get_json()["email"] == user.email
    assert client.patch("/auth/me", json={}, headers=user_headers).get_json()["name"] == (
        "Ada Lovelace"
    )
    refused = client.patch("/auth/me", json={"role": "admin"}, headers=user_headers)
    assert_problem(refused, 422, "validation_error")
    assert_problem(
        client.patch("/auth/me", json={"name": "x" * 101}, headers=user_headers),
        422,
        "validation_error",
    )


class TestEmailChange:
    def test_the_new_address_takes_effect_when_its_link_is_used(
        self, app, client, user, user_headers, login
    ):
        assert change_email(client, user_headers).status_code == 202
        assert client.get("/auth/me", headers=user_headers).get_json()["email"] == user.email
        [notice] = queued(app, user.email)
        assert NEW in notice.text_body and "#token=" not in notice.text_body
        assert (
            client.post("/auth/verify-email", json={"token": latest_token(app, NEW)}).status_code
            == 204
        )
        me = client.get("/auth/me", headers=user_headers).get_json()
        assert me["email"] == NEW and me["email_verified"] is True
        assert login(NEW)["access_token"]
        old = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
        assert_problem(old, 401, "invalid_credentials")

    def test_wrong_password_is_403_and_sends_nothing(self, app, client, user_headers):
        assert_problem(
            change_email(client, user_headers, password="wrong one!"), 403, "wrong_password"
        )
        assert queued(app, NEW) == []

    def test_an_address_another_account_has_is_409(self, client, make_user, user_headers):
        make_user(email=NEW)
        assert_problem(change_email(client, user_headers), 409, "email_taken")
        assert_problem(change_email(client, user_headers, NEW.upper()), 409, "email_taken")

    def test_the_own_address_is_422(self, client, user, user_headers):
        assert_problem(change_email(client, user_headers, user.email), 422, "validation_error")

    def test_two_accounts_confirming_one_address_the_second_gets_409(
        self, app, client, make_user, login
    ):
        first, second = make_user(), make_user()
        tokens = []
        for someone in (first, second):
            headers = bearer(login(someone)["access_token"])
            assert change_email(client, headers).status_code == 202
            tokens.append(latest_token(app, NEW))
        assert client.post("/auth/verify-email", json={"token": tokens[0]}).status_code == 204
        second_try = client.post("/auth/verify-email", json={"token": tokens[1]})
        assert_problem(second_try, 409, "email_taken")
        with app.app_context():
            assert User.query.filter_by(email=NEW).one().id == first.id

    def test_an_address_registered_meanwhile_is_409(self, app, client, user_headers):
        change_email(client, user_headers)
        token = latest_token(app, NEW)
        client.post("/auth/register", json={"email": NEW, "password": PASSWORD})
        assert_problem(client.post("/auth/verify-email", json={"token": token}), 409, "email_taken")

    def test_a_newer_request_supersedes_the_older_link(self, app, client, user_headers):
        change_email(client, user_headers)
        old = latest_token(app, NEW)
        change_email(client, user_headers, "newer@example.com")
        assert_problem(client.post("/auth/verify-email", json={"token": old}), 400, "link_invalid")

    def test_the_link_works_once_and_not_once_expired_or_altered(self, app, client, user_headers):
        change_email(client, user_headers)
        token = latest_token(app, NEW)
        assert_problem(
            client.post("/auth/verify-email", json={"token": token[:-2]}), 400, "link_invalid"
        )
        assert client.post("/auth/verify-email", json={"token": token}).status_code == 204
        assert_problem(
            client.post("/auth/verify-email", json={"token": token}), 400, "link_invalid"
        )
        change_email(client, user_headers, "later@example.com")
        with app.app_context():
            db.session.execute(update(AccountLink).values(expires_at=utcnow()))
            db.session.commit()
        expired = client.post(
            "/auth/verify-email", json={"token": latest_token(app, "later@example.com")}
        )
        assert_problem(expired, 400, "link_invalid")


class TestClosing:
    def test_closing_ends_sessions_scrubs_and_frees_the_email(
        self, client, make_user, login, admin_headers
    ):
        user = make_user(email="ada@example.com", name="Ada")
        tokens = login(user)
        headers = bearer(tokens["access_token"])
        assert close(client, headers).status_code == 204
        assert_problem(client.get("/auth/me", headers=headers), 401, "token_revoked")
        again = client.post("/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        assert_problem(again, 401, "invalid_credentials")
        row = client.get(f"/users/{user.id}", headers=admin_headers).get_json()
        assert row["is_active"] is False and row["name"] == ""
        assert row["email"] != "ada@example.com" and row["email"].endswith(".invalid")
        fresh = client.post(
            "/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert fresh.status_code == 201 and fresh.get_json()["id"] != user.id

    def test_wrong_password_is_403_and_closes_nothing(self, client, user_headers):
        assert_problem(close(client, user_headers, "wrong one!"), 403, "wrong_password")
        assert client.get("/auth/me", headers=user_headers).status_code == 200

    def test_the_last_active_admin_cannot_close(self, client, admin_headers, make_user):
        assert_problem(close(client, admin_headers), 409, "last_admin")
        assert client.get("/auth/me", headers=admin_headers).get_json()["is_active"] is True
        make_user(role="admin")
        assert close(client, admin_headers).status_code == 204

    def test_receivers_act_inside_the_closing_transaction(self, client, user, user_headers):
        seen = []

        def receiver(_sender, user_id: int) -> None:
            seen.append((user_id, db.session.get(User, user_id).is_active))

        with account_closed.connected_to(receiver):
            assert close(client, user_headers).status_code == 204
        assert seen == [(user.id, False)]  # the change is visible, not yet committed

    def test_mail_not_yet_sent_to_a_closed_account_is_dropped(
        self, app, client, user, user_headers
    ):
        client.post("/auth/password-reset", json={"email": user.email})
        assert len(queued(app, user.email)) == 1
        close(client, user_headers)
        assert queued(app, user.email) == []
