"""Rate limits on login and register, keyed on an address the client cannot choose."""

from __future__ import annotations

import pytest

from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer

LIMITS = {"LOGIN_RATE_LIMIT": "3 per minute", "REGISTER_RATE_LIMIT": "3 per minute"}


def log_in(client, email: str, xff: str | None = None, remote: str = "127.0.0.1"):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return client.post(
        "/auth/login",
        json={"email": email, "password": PASSWORD},
        headers=headers,
        environ_base={"REMOTE_ADDR": remote},
    )


def assert_rate_limited(response) -> None:
    assert_problem(response, 429, "rate_limited")
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and 0 < int(retry_after) <= 60
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def sessions_ips(client, token: str) -> list[str]:
    items = client.get("/auth/sessions", headers=bearer(token)).get_json()["items"]
    return [item["ip"] for item in items]


class TestWithoutProxy:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return dict(LIMITS)

    def test_fourth_login_is_429(self, client, make_user):
        user = make_user()
        for _ in range(3):
            assert log_in(client, user.email).status_code == 200
        assert_rate_limited(log_in(client, user.email))
        # Failed logins count too: the limit is per address, not per success.
        assert_rate_limited(log_in(client, "nobody@example.com"))

    def test_fourth_registration_is_429(self, client):
        for index in range(3):
            body = {"email": f"new{index}@example.com", "password": "a long passphrase"}
            assert client.post("/auth/register", json=body).status_code == 201
        body = {"email": "new9@example.com", "password": "a long passphrase"}
        assert_rate_limited(client.post("/auth/register", json=body))

    def test_spoofed_forwarded_for_is_ignored(self, client, make_user):
        user = make_user()
        for index in range(3):
            assert log_in(client, user.email, xff=f"203.0.113.{index}").status_code == 200
        assert_rate_limited(log_in(client, user.email, xff="203.0.113.99"))

    def test_another_socket_address_has_its_own_bucket(self, client, make_user):
        user = make_user()
        for _ in range(3):
            log_in(client, user.email, remote="192.0.2.1")
        assert_rate_limited(log_in(client, user.email, remote="192.0.2.1"))
        assert log_in(client, user.email, remote="192.0.2.2").status_code == 200

    def test_session_ip_is_the_socket_address(self, client, make_user):
        user = make_user()
        tokens = log_in(client, user.email, xff="203.0.113.5", remote="192.0.2.7").get_json()
        assert sessions_ips(client, tokens["access_token"]) == ["192.0.2.7"]


class TestBehindOneProxy:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {**LIMITS, "TRUSTED_PROXIES": 1}

    def test_forwarded_for_decides_the_bucket(self, client, make_user):
        user = make_user()
        for _ in range(3):
            assert log_in(client, user.email, xff="203.0.113.1").status_code == 200
        assert_rate_limited(log_in(client, user.email, xff="203.0.113.1"))
        assert log_in(client, user.email, xff="203.0.113.2").status_code == 200

    def test_only_the_last_hop_is_trusted(self, client, make_user):
        """A client prepending its own XFF entry cannot pick the address: the proxy's wins."""
        user = make_user()
        for index in range(3):
            response = log_in(client, user.email, xff=f"10.0.0.{index}, 203.0.113.1")
            assert response.status_code == 200
        assert_rate_limited(log_in(client, user.email, xff="10.9.9.9, 203.0.113.1"))

    def test_session_ip_is_the_address_the_limiter_counts(self, client, make_user):
        user = make_user()
        tokens = log_in(client, user.email, xff="10.0.0.1, 203.0.113.7").get_json()
        assert sessions_ips(client, tokens["access_token"]) == ["203.0.113.7"]
        for _ in range(2):
            log_in(client, user.email, xff="203.0.113.7")
        assert_rate_limited(log_in(client, user.email, xff="203.0.113.7"))


def change_password(client, token: str, current: str, remote: str = "127.0.0.1"):
    body = {"current_password": current, "new_password": "a brand new passphrase"}
    return client.put(
        "/auth/password",
        json=body,
        headers=bearer(token),
        environ_base={"REMOTE_ADDR": remote},
    )


class TestPasswordChange:
    """PUT /auth/password is a current-password oracle and an argon2 cost: it is limited."""

    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"PASSWORD_CHANGE_RATE_LIMIT": "3 per minute"}

    def test_fourth_attempt_of_one_user_is_429_from_any_address(
        self, client, tokens, verifications
    ):
        token = tokens["access_token"]
        for index in range(3):
            response = change_password(client, token, "wrong guess!", remote=f"192.0.2.{index}")
            assert_problem(response, 403, "wrong_password")
        verifications.clear()
        assert_rate_limited(change_password(client, token, "wrong guess!", remote="192.0.2.9"))
        # Refused before any hashing: neither an oracle nor a CPU sink any more.
        assert_rate_limited(change_password(client, token, PASSWORD, remote="192.0.2.9"))
        assert verifications == []

    def test_one_address_is_limited_across_users(self, client, make_user, login):
        tokens = [login(make_user())["access_token"] for _ in range(4)]
        for token in tokens[:3]:
            assert_problem(change_password(client, token, "wrong guess!"), 403, "wrong_password")
        assert_rate_limited(change_password(client, tokens[3], "wrong guess!"))
        assert change_password(client, tokens[3], PASSWORD, remote="192.0.2.1").status_code == 204

    def test_other_users_keep_their_own_budget(self, client, make_user, login):
        first, second = (login(make_user())["access_token"] for _ in range(2))
        for index in range(3):
            change_password(client, first, "wrong guess!", remote=f"192.0.2.{index}")
        assert_rate_limited(change_password(client, first, PASSWORD, remote="198.51.100.1"))
        assert change_password(client, second, PASSWORD, remote="198.51.100.2").status_code == 204
