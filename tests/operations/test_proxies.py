"""TRUSTED_PROXIES: X-Forwarded-For counts only behind that many proxies (docs/security.md)."""

from __future__ import annotations

import pytest

from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer

SOCKET_ADDRESS = "10.0.0.2"  # the proxy, as the app's socket sees it


def login_from(client, user, forwarded_for: str):
    return client.post(
        "/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": SOCKET_ADDRESS},
    )


@pytest.mark.parametrize(
    "app_overrides, forwarded_for, seen",
    [
        ({"TRUSTED_PROXIES": 0}, "203.0.113.9", SOCKET_ADDRESS),
        ({"TRUSTED_PROXIES": 1}, "203.0.113.9", "203.0.113.9"),
        ({"TRUSTED_PROXIES": 1}, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # client-set first hop
        ({"TRUSTED_PROXIES": 2}, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
    ],
    indirect=["app_overrides"],
)
def test_the_client_address_is_the_one_the_trusted_proxies_saw(
    client, make_user, forwarded_for, seen
):
    response = login_from(client, make_user(), forwarded_for)
    assert response.status_code == 200
    listed = client.get("/auth/sessions", headers=bearer(response.get_json()["access_token"]))
    assert listed.get_json()["items"][0]["ip"] == seen


@pytest.fixture
def app_overrides(request) -> dict:
    return {"LOGIN_RATE_LIMIT": "2 per minute", **getattr(request, "param", {})}


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}], indirect=True)
def test_behind_a_proxy_each_client_has_its_own_login_limit(client, make_user):
    user = make_user()
    for _ in range(2):
        assert login_from(client, user, "203.0.113.9").status_code == 200
    assert_problem(login_from(client, user, "203.0.113.9"), 429, "rate_limited")
    assert login_from(client, user, "198.51.100.7").status_code == 200


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 0}], indirect=True)
def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(client, make_user):
    user = make_user()
    for n in range(2):
        assert login_from(client, user, f"192.0.2.{n}").status_code == 200
    assert_problem(login_from(client, user, "192.0.2.99"), 429, "rate_limited")


@pytest.mark.parametrize(
    "forwarded_for",
    [
        "a" * 46,  # one character over the `ip` column: a 500 on PostgreSQL before
        "x" * 200,  # stored whole by SQLite before
        "unknown",
        "203.0.113.9:8080",
        "fe80::1%" + "e" * 60,  # an IPv6 scope is free text
        "<script>",
    ],
)
@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}], indirect=True)
def test_a_forwarded_value_that_is_not_an_ip_address_is_ignored(client, make_user, forwarded_for):
    """The socket address stands in, for the session and for the limiter alike."""
    user = make_user()
    response = login_from(client, user, forwarded_for)
    assert response.status_code == 200, response.get_data(as_text=True)
    listed = client.get("/auth/sessions", headers=bearer(response.get_json()["access_token"]))
    assert [item["ip"] for item in listed.get_json()["items"]] == [SOCKET_ADDRESS]
    # Same bucket as the socket address itself ("2 per minute"): the third login is 429.
    assert login_from(client, user, SOCKET_ADDRESS).status_code == 200
    assert_problem(login_from(client, user, "not an address"), 429, "rate_limited")


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}], indirect=True)
def test_a_forwarded_address_is_stored_in_its_canonical_form(client, make_user):
    """`2001:DB8:0::1` and `2001:db8::1` are one client: one session ip, one limiter bucket."""
    user = make_user()
    response = login_from(client, user, "2001:DB8:0:0::1")
    listed = client.get("/auth/sessions", headers=bearer(response.get_json()["access_token"]))
    assert listed.get_json()["items"][0]["ip"] == "2001:db8::1"
    assert login_from(client, user, "2001:db8::1").status_code == 200
    assert_problem(login_from(client, user, "2001:0db8::0001"), 429, "rate_limited")
