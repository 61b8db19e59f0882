"""/users: admin-only listing and editing, the last-admin guard, stale and ended tokens."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import update

from app.extensions import db
from app.identity.models import User
from app.users import services
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.tokens import claims_of


@pytest.mark.parametrize(
    ("method", "path", "body", "admin_status"),
    [
        ("GET", "/users", None, 200),
        ("GET", "/users/{id}", None, 200),
        ("PATCH", "/users/{id}", {"name": "Renamed"}, 200),
    ],
)
@pytest.mark.parametrize("role", [None, "user", "admin"])
def test_every_route_is_admin_only(
    client, make_user, headers_for, role, method, path, body, admin_status
):
    url = path.format(id=make_user().id)
    response = client.open(url, method=method, json=body, headers=headers_for(role))
    if role is None:
        assert_problem(response, 401, "token_missing")
    elif role == "user":
        assert_problem(response, 403, "forbidden")
    else:
        assert response.status_code == admin_status


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_non_admin_gets_403_even_for_a_missing_user(client, user_headers, method):
    response = client.open("/users/424242", method=method, json={}, headers=user_headers)
    assert_problem(response, 403, "forbidden")


def test_get_one_user_and_404(client, admin_headers, make_user):
    user = make_user(name="Ada", email="ada@example.com")
    body = client.get(f"/users/{user.id}", headers=admin_headers).get_json()
    assert body["email"] == "ada@example.com" and body["name"] == "Ada"
    # The admin's view of one user adds what they own, counted.
    assert set(body) == {
        "id",
        "email",
        "name",
        "role",
        "is_active",
        "email_verified",
        "created_at",
        "mfa_enabled",
        "outfit_count",
    }
    assert_problem(client.get("/users/2147483647", headers=admin_headers), 404, "not_found")
    assert_problem(client.get("/users/0", headers=admin_headers), 404, "not_found")
    assert_problem(
        client.patch("/users/2147483647", json={}, headers=admin_headers), 404, "not_found"
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"admin", "ada", "bob", "cy"}),
        ("role=admin", {"admin", "bob"}),
        ("role=user", {"ada", "cy"}),
        ("is_active=false", {"cy"}),
        ("is_active=true&role=user", {"ada"}),
        ("q=LOVELACE", {"ada"}),
        ("q=BOB@", {"bob"}),
        ("q=example.com", {"admin", "ada", "bob", "cy"}),
        ("q=%25", set()),
        ("unknown=1", {"admin", "ada", "bob", "cy"}),
    ],
)
def test_list_filters(client, admin_headers, make_user, query, expected):
    make_user(email="ada@example.com", name="Ada Lovelace")
    make_user(email="bob@example.com", role="admin")
    make_user(email="cy@example.com", is_active=False)
    response = client.get(f"/users?{query}", headers=admin_headers)
    assert response.status_code == 200
    emails = {user["email"].split("@")[0] for user in response.get_json()["items"]}
    assert emails == expected


@pytest.mark.parametrize(
    "query", ["role=owner", "is_active=yes", "is_active=1", "limit=0", "sort=password_hash"]
)
def test_bad_filters_are_422(client, admin_headers, query):
    body = assert_problem(
        client.get(f"/users?{query}", headers=admin_headers), 422, "validation_error"
    )
    assert list(body["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "new@example.com"},
        {"password": "a new long password"},
        {"password_hash": "x"},
        {"id": 5},
        {"role": "owner"},
        {"role": None},
        {"is_active": "false"},
        {"is_active": 0},
        {"name": "n" * 101},
        {"name": "nul\x00"},
    ],
)
def test_patch_refuses_other_fields_and_bad_values(client, admin_headers, make_user, body):
    user = make_user(name="Before")
    before = client.get(f"/users/{user.id}", headers=admin_headers).get_json()
    response = client.patch(f"/users/{user.id}", json=body, headers=admin_headers)
    assert list(assert_problem(response, 422, "validation_error")["errors"]) == list(body)
    assert client.get(f"/users/{user.id}", headers=admin_headers).get_json() == before


def test_patch_name_is_trimmed(client, admin_headers, make_user):
    user = make_user()
    response = client.patch(f"/users/{user.id}", json={"name": "  Grace  "}, headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["name"] == "Grace"


class TestLastAdmin:
    @pytest.mark.parametrize("body", [{"role": "user"}, {"is_active": False}])
    def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
        self, client, admin_headers, body
    ):
        me = client.get("/auth/me", headers=admin_headers).get_json()
        response = client.patch(f"/users/{me['id']}", json=body, headers=admin_headers)
        assert_problem(response, 409, "last_admin")
        shown = client.get(f"/users/{me['id']}", headers=admin_headers).get_json()
        assert shown == {**me, "outfit_count": 0}

    def test_an_inactive_admin_does_not_count(self, client, admin_headers, make_user):
        make_user(role="admin", is_active=False)
        me = client.get("/auth/me", headers=admin_headers).get_json()
        response = client.patch(f"/users/{me['id']}", json={"role": "user"}, headers=admin_headers)
        assert_problem(response, 409, "last_admin")

    def test_with_two_admins_one_may_go(self, client, admin_headers, make_user):
        other = make_user(role="admin")
        response = client.patch(f"/users/{other.id}", json={"role": "user"}, headers=admin_headers)
        assert response.status_code == 200 and response.get_json()["role"] == "user"
        me = client.get("/auth/me", headers=admin_headers).get_json()
        response = client.patch(
            f"/users/{me['id']}", json={"is_active": False}, headers=admin_headers
        )
        assert_problem(response, 409, "last_admin")

    def test_two_admins_demoting_each_other_at_once_leave_one(
        self, client, admin_headers, make_user, monkeypatch
    ):
        """The other admin is demoted by another connection while this request runs, just
        before it locks the admin rows (after that, the other demotion would wait for it;
        tests/accounts/test_last_admin_race.py runs both with real threads)."""
        other = make_user(role="admin")
        me = client.get("/auth/me", headers=admin_headers).get_json()
        lock_active_admins = services.lock_active_admins
        raced = []

        def concurrent_demotion() -> None:
            raced.append(True)
            with db.engine.connect() as connection:
                table = User.__table__
                connection.execute(update(table).where(table.c.id == other.id).values(role="user"))
                connection.commit()
            lock_active_admins()

        monkeypatch.setattr(services, "lock_active_admins", concurrent_demotion)
        response = client.patch(f"/users/{me['id']}", json={"role": "user"}, headers=admin_headers)
        assert raced
        assert_problem(response, 409, "last_admin")
        assert client.get(f"/users/{me['id']}", headers=admin_headers).get_json()["role"] == "admin"

    def test_renaming_or_reactivating_the_last_admin_is_fine(self, client, admin_headers):
        me = client.get("/auth/me", headers=admin_headers).get_json()
        body = {"name": "Root", "role": "admin", "is_active": True}
        assert (
            client.patch(f"/users/{me['id']}", json=body, headers=admin_headers).status_code == 200
        )


def test_role_change_makes_access_tokens_stale_and_refresh_carries_the_new_role(
    client, admin_headers, make_user, login
):
    user = make_user()
    tokens = login(user)
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200

    promoted = client.patch(f"/users/{user.id}", json={"role": "admin"}, headers=admin_headers)
    assert promoted.get_json()["role"] == "admin"
    stale = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert_problem(stale, 401, "token_stale")
    assert stale.headers["WWW-Authenticate"].startswith("Bearer")

    refreshed = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    new = refreshed.get_json()
    assert claims_of(new["access_token"])["role"] == "admin"
    assert client.get("/users", headers=bearer(new["access_token"])).status_code == 200

    client.patch(f"/users/{user.id}", json={"role": "user"}, headers=admin_headers)
    assert_problem(client.get("/users", headers=bearer(new["access_token"])), 401, "token_stale")
    again = client.post("/auth/refresh", headers=bearer(new["refresh_token"])).get_json()
    assert claims_of(again["access_token"])["role"] == "user"
    assert_problem(client.get("/users", headers=bearer(again["access_token"])), 403, "forbidden")


def test_deactivation_ends_every_session_at_once(client, admin_headers, make_user, login):
    user = make_user()
    sessions = [login(user), login(user)]
    response = client.patch(f"/users/{user.id}", json={"is_active": False}, headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    for tokens in sessions:
        me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
        assert_problem(me, 401, "token_revoked")
        refresh = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
        assert_problem(refresh, 401, "token_revoked")
    relogin = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_problem(relogin, 401, "invalid_credentials")

    client.patch(f"/users/{user.id}", json={"is_active": True}, headers=admin_headers)
    for tokens in sessions:  # reactivation does not bring old sessions back
        me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
        assert_problem(me, 401, "token_revoked")
    assert client.get("/auth/me", headers=bearer(login(user)["access_token"])).status_code == 200


def audit_events(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [record.audit for record in caplog.records if getattr(record, "audit", None)]


def test_reactivation_through_the_api_is_audited(client, admin_headers, make_user, caplog):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    user = make_user(is_active=False)
    patch = {"is_active": True}
    assert client.patch(f"/users/{user.id}", json=patch, headers=admin_headers).status_code == 200
    assert client.patch(f"/users/{user.id}", json=patch, headers=admin_headers).status_code == 200
    activated = [event for event in audit_events(caplog) if event["event"] == "user_activated"]
    assert len(activated) == 1  # the second PATCH changed nothing
    assert activated[0]["user_id"] == user.id
    assert activated[0]["actor_id"] != user.id  # the admin who did it
    caplog.clear()
    client.patch(f"/users/{user.id}", json={"name": "Renamed"}, headers=admin_headers)
    assert [event["event"] for event in audit_events(caplog)] == []
