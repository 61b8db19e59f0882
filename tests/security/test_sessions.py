"""Sessions: rotation, reuse, logout scopes, ending by id, password change, lifetime, list.

After every action, every token the test holds is probed, not only the one just used
(docs/security.md). Access tokens are probed with GET /auth/me. A refresh token can only be
probed by using it, so a live one is probed by rotating it (and the new pair kept).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from app.extensions import db
from app.identity.models import AuthSession
from tests.support.data import PASSWORD
from tests.support.http import (
    access_result,
    assert_alive,
    assert_dead,
    assert_problem,
    bearer,
    refresh,
)
from tests.support.tokens import claims_of

NEW_PASSWORD = "a brand new passphrase"


def test_refresh_rotates_and_reuse_ends_the_session(client, user, login):
    first = login(user)
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    old, new = claims_of(first["refresh_token"]), claims_of(second["refresh_token"])
    assert old["sid"] == new["sid"] and old["jti"] != new["jti"]
    # Rotation kills only the presented refresh token; the old access token lives on.
    assert access_result(client, first["access_token"]) == 200
    assert access_result(client, second["access_token"]) == 200

    assert_problem(refresh(client, first["refresh_token"]), 401, "refresh_reused")

    for token in (first["access_token"], second["access_token"]):
        assert access_result(client, token) == "token_revoked"
    for token in (second["refresh_token"], first["refresh_token"]):
        assert_problem(refresh(client, token), 401, "token_revoked")


def test_two_logins_are_two_sessions_and_logout_ends_one(client, user, login):
    mine, other = login(user), login(user)
    assert claims_of(mine["access_token"])["sid"] != claims_of(other["access_token"])["sid"]
    response = client.post("/auth/logout", headers=bearer(mine["access_token"]))
    assert response.status_code == 204
    assert response.data == b""
    assert_dead(client, mine)
    other = assert_alive(client, other)
    assert access_result(client, other["access_token"]) == 200


def test_logout_all_ends_every_session_of_the_user_only(client, make_user, user, login):
    first, second = login(user), login(user)
    stranger = login(make_user())
    assert client.post("/auth/logout-all", headers=bearer(first["access_token"])).status_code == 204
    assert_dead(client, first)
    assert_dead(client, second)
    assert_alive(client, stranger)
    # Logging in again opens a fresh, working session.
    assert_alive(client, login(user))


def test_end_session_by_id(client, make_user, user, login):
    mine, other = login(user), login(user)
    stranger = login(make_user())
    other_sid = claims_of(other["access_token"])["sid"]
    stranger_sid = claims_of(stranger["access_token"])["sid"]
    headers = bearer(mine["access_token"])

    assert client.delete(f"/auth/sessions/{other_sid}", headers=headers).status_code == 204
    assert_dead(client, other)
    mine = assert_alive(client, mine)
    headers = bearer(mine["access_token"])

    # An ended session, another user's, one that never existed, or no id at all: 404.
    for path in (other_sid, stranger_sid, 999_999, 0, "abc", 99999999999999999999):
        assert_problem(client.delete(f"/auth/sessions/{path}", headers=headers), 404, "not_found")
    stranger = assert_alive(client, stranger)

    my_sid = claims_of(mine["access_token"])["sid"]
    assert client.delete(f"/auth/sessions/{my_sid}", headers=headers).status_code == 204
    assert_dead(client, mine)
    assert_alive(client, stranger)


def test_password_change_ends_every_other_session(client, user, login):
    mine, other = login(user), login(user)
    headers = bearer(mine["access_token"])

    wrong = {"current_password": "not my password", "new_password": NEW_PASSWORD}
    assert_problem(client.put("/auth/password", json=wrong, headers=headers), 403, "wrong_password")
    weak = {"current_password": PASSWORD, "new_password": "short"}
    body = assert_problem(
        client.put("/auth/password", json=weak, headers=headers), 422, "validation_error"
    )
    assert "new_password" in body["errors"]
    common = {"current_password": PASSWORD, "new_password": "password123"}
    assert client.put("/auth/password", json=common, headers=headers).status_code == 422
    same_as_email = {"current_password": PASSWORD, "new_password": user.email}
    assert client.put("/auth/password", json=same_as_email, headers=headers).status_code == 422
    # Failed attempts change nothing.
    other = assert_alive(client, other)
    assert login(user)  # the old password still works

    good = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.put("/auth/password", json=good, headers=headers).status_code == 204
    assert_dead(client, other)
    assert_alive(client, mine)
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_problem(response, 401, "invalid_credentials")
    assert_alive(client, login(user, NEW_PASSWORD))


def _set_session_end(app, sid: int, end: dt.datetime) -> None:
    with app.app_context():
        db.session.get(AuthSession, sid).expires_at = end
        db.session.commit()


def test_session_past_its_absolute_end_is_expired(app, client, user, login):
    tokens = login(user)
    for _ in range(3):
        tokens = refresh(client, tokens["refresh_token"]).get_json()
    sid = claims_of(tokens["access_token"])["sid"]
    _set_session_end(app, sid, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    # Both tokens are unexpired by their own `exp`; the session's end decides.
    assert_dead(client, tokens, "token_expired")
    # The expired session is no longer listed among the live ones.
    listed = client.get("/auth/sessions", headers=bearer(login(user)["access_token"])).get_json()
    assert sid not in [item["id"] for item in listed["items"]]


CLOCK_SLACK = 0.05


class TestAbsoluteLifetime:
    LIFETIME = 3  # seconds: room for a login and three refreshes on a busy machine

    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"JWT_REFRESH_TOKEN_EXPIRES": self.LIFETIME}

    def test_rotation_never_extends_the_session(self, app, client, user, login):
        tokens = login(user)
        sid = claims_of(tokens["access_token"])["sid"]
        with app.app_context():
            end = db.session.get(AuthSession, sid).expires_at.timestamp()
        held = [tokens]
        for _ in range(3):
            time.sleep(0.3)
            tokens = refresh(client, tokens["refresh_token"]).get_json()
            held.append(tokens)
            for token in (tokens["access_token"], tokens["refresh_token"]):
                # flask-jwt-extended adds the capped lifetime to its own clock reading, taken
                # microseconds after ours, so allow that much; an extension would be >= 0.3 s.
                assert claims_of(token)["exp"] <= end + CLOCK_SLACK
            assert tokens["expires_in"] <= self.LIFETIME
        time.sleep(max(0.0, end - time.time()) + 0.1)
        for pair in held:
            assert access_result(client, pair["access_token"]) == "token_expired"
        assert_problem(refresh(client, held[-1]["refresh_token"]), 401, "token_expired")


def test_sessions_list(app, client, make_user, user, login):
    def login_from(agent: str, address: str) -> dict:
        return client.post(
            "/auth/login",
            json={"email": user.email, "password": PASSWORD},
            headers={"User-Agent": agent},
            environ_base={"REMOTE_ADDR": address},
        ).get_json()

    first = login_from("first-agent/1", "198.51.100.1")
    second = login_from("second-agent/1", "198.51.100.2")
    login(make_user())  # another user's session is never listed
    refreshed = refresh(
        client,
        first["refresh_token"],
        headers={"User-Agent": "first-agent/2"},
        environ_base={"REMOTE_ADDR": "198.51.100.3"},
    ).get_json()
    first_sid = claims_of(first["access_token"])["sid"]
    second_sid = claims_of(second["access_token"])["sid"]

    response = client.get("/auth/sessions", headers=bearer(second["access_token"]))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["id"] for item in items] == [second_sid, first_sid]  # newest first
    for item in items:
        assert set(item) == {
            "id",
            "created_at",
            "last_used_at",
            "user_agent",
            "ip",
            "amr",
            "current",
        }
        for stamp in (item["created_at"], item["last_used_at"]):
            assert dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    by_id = {item["id"]: item for item in items}
    assert by_id[second_sid]["current"] is True and by_id[first_sid]["current"] is False
    assert (by_id[second_sid]["user_agent"], by_id[second_sid]["ip"]) == (
        "second-agent/1",
        "198.51.100.2",
    )
    # The latest refresh, not the login, is what a session shows.
    assert (by_id[first_sid]["user_agent"], by_id[first_sid]["ip"]) == (
        "first-agent/2",
        "198.51.100.3",
    )
    listed = client.get("/auth/sessions", headers=bearer(refreshed["access_token"])).get_json()
    assert [item["current"] for item in listed["items"]] == [False, True]


def test_ordinary_requests_write_nothing(app, client, user, login):
    tokens = login(user)
    sid = claims_of(tokens["access_token"])["sid"]

    def stored() -> tuple:
        with app.app_context():
            row = db.session.get(AuthSession, sid)
            return row.last_used_at, row.user_agent, row.ip, row.refresh_jti

    before = stored()
    headers = {**bearer(tokens["access_token"]), "User-Agent": "someone-else/9"}
    assert client.get("/auth/me", headers=headers).status_code == 200
    assert client.get("/auth/sessions", headers=headers).status_code == 200
    assert stored() == before


def test_password_change_rejects_unknown_fields(client, user, login):
    tokens = login(user)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "role": "admin"}
    response = client.put("/auth/password", json=body, headers=bearer(tokens["access_token"]))
    assert set(assert_problem(response, 422, "validation_error")["errors"]) == {"role"}
    assert_alive(client, login(user))  # the old password still works
