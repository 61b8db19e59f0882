"""Per-account login throttling: failures for one email from many addresses share one budget.

Once LOGIN_ACCOUNT_RATE_LIMIT failures are spent, the email answers 429 (no password is
checked) except from an address that has logged in to the account before; an unknown email
is throttled identically. With Redis the counts are shared by every process.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.data import PASSWORD
from tests.support.http import assert_problem
from tests.support.paths import ROOT
from tests.support.settings import GENEROUS_LIMITS, TEST_SECRETS

LIMITS = {"LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute"}
HOME = "192.0.2.10"  # where the owner has logged in before


@pytest.fixture
def app_overrides() -> dict:
    return dict(LIMITS)


def log_in(client, email: str, password: str, remote: str):
    return client.post(
        "/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": remote},
    )


def spray(client, email: str, count: int = 3) -> None:
    """`count` wrong passwords for `email`, each from a new address (no per-address limit)."""
    for index in range(count):
        response = log_in(client, email, "wrong password!", remote=f"198.51.100.{index + 1}")
        assert_problem(response, 401, "invalid_credentials")


def assert_account_throttled(response) -> dict:
    body = assert_problem(response, 429, "rate_limited")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    return body


def test_failures_from_many_addresses_throttle_the_account(client, make_user, verifications):
    user = make_user()
    spray(client, user.email)
    verifications.clear()
    # Even the right password, from a new address: refused, and no hash is verified.
    assert_account_throttled(log_in(client, user.email, PASSWORD, remote="203.0.113.50"))
    assert verifications == []


def test_the_owner_still_logs_in_from_a_known_address(client, make_user, verifications):
    user = make_user()
    assert log_in(client, user.email, PASSWORD, remote=HOME).status_code == 200
    spray(client, user.email)
    assert_account_throttled(log_in(client, user.email, PASSWORD, remote="203.0.113.50"))
    verifications.clear()
    assert log_in(client, user.email, PASSWORD, remote=HOME).status_code == 200
    assert len(verifications) == 1
    # A wrong password from the known address is still a plain 401 (and counts).
    response = log_in(client, user.email, "wrong password!", remote=HOME)
    assert_problem(response, 401, "invalid_credentials")


def test_an_unknown_email_is_throttled_identically(client, make_user):
    """The 429 says nothing about whether the email exists: same status, headers, body."""
    user = make_user()
    spray(client, user.email)
    spray(client, "nobody@example.com")
    known = log_in(client, user.email, PASSWORD, remote="203.0.113.50")
    unknown = log_in(client, "nobody@example.com", PASSWORD, remote="203.0.113.50")
    assert assert_account_throttled(known) == assert_account_throttled(unknown)
    retry_afters = (int(known.headers["Retry-After"]), int(unknown.headers["Retry-After"]))
    assert abs(retry_afters[0] - retry_afters[1]) <= 1  # same window, read a moment apart


def test_other_accounts_are_not_throttled(client, make_user):
    victim, other = make_user(), make_user()
    spray(client, victim.email)
    assert log_in(client, other.email, PASSWORD, remote="198.51.100.1").status_code == 200


def test_successful_logins_do_not_spend_the_budget(client, make_user):
    user = make_user()
    for index in range(5):
        response = log_in(client, user.email, PASSWORD, remote=f"203.0.113.{index}")
        assert response.status_code == 200


def test_a_look_alike_spelling_counts_against_the_same_account(client, make_user):
    user = make_user(email="ada@example.com")
    for index, typed in enumerate(("ADA@example.com", "\uff41da@example.com", "ada@example.com")):
        response = log_in(client, typed, "wrong password!", remote=f"198.51.100.{index + 1}")
        assert_problem(response, 401, "invalid_credentials")
    assert_account_throttled(log_in(client, user.email, PASSWORD, remote="203.0.113.50"))


# A second process: the same app settings, its own interpreter and rate limiter.
OTHER_PROCESS = """
import json, sys
from app import create_app
settings = json.loads(sys.stdin.read())
app = create_app("testing", settings["config"])
client = app.test_client()
statuses = [
    client.post(
        "/auth/login",
        json={"email": settings["email"], "password": "wrong password!"},
        environ_base={"REMOTE_ADDR": "192.0.2.77"},
    ).status_code
    for _ in range(settings["count"])
]
print(json.dumps(statuses))
"""


@pytest.fixture
def shared_redis_settings(request, backend_settings) -> dict:
    """This test's database and a Redis prefix: TEST_REDIS_URL's, or a private redis-server."""
    if "REDIS_URL" in backend_settings:
        return backend_settings
    server = request.getfixturevalue("private_redis")
    return {**backend_settings, "REDIS_URL": server.url, "REDIS_KEY_PREFIX": "shared_test:"}


@pytest.fixture
def app_on_shared_redis(shared_redis_settings, app_overrides, backend_settings):
    from app import create_app
    from app.extensions import db

    app = create_app(
        "testing", {**shared_redis_settings, **TEST_SECRETS, **GENEROUS_LIMITS, **app_overrides}
    )
    with app.app_context():
        if shared_redis_settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "3 per minute"}])
def test_two_processes_on_one_redis_see_one_count(
    app_on_shared_redis, shared_redis_settings, app_overrides
):
    """Per-address and per-account counts live in Redis, not in each worker's memory."""
    settings = {**shared_redis_settings, **TEST_SECRETS, **GENEROUS_LIMITS, **app_overrides}
    settings["LOGIN_ACCOUNT_RATE_LIMIT"] = "4 per minute"
    other = subprocess.run(  # our interpreter, a fixed script
        [sys.executable, "-c", OTHER_PROCESS],
        input=json.dumps({"config": settings, "email": "ada@example.com", "count": 2}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert json.loads(other.stdout.strip().splitlines()[-1]) == [401, 401]

    app = app_on_shared_redis
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "4 per minute"
    client = app.test_client()
    # Per address: 2 failures in the other process + 1 here = 3; the next is refused.
    assert log_in(client, "ada@example.com", "x wrong x", "192.0.2.77").status_code == 401
    assert_problem(
        log_in(client, "ada@example.com", "x wrong x", "192.0.2.77"), 429, "rate_limited"
    )
    # Per account: 3 failures counted by both processes + 1 from elsewhere = 4; then refused.
    assert log_in(client, "ada@example.com", "x wrong x", "198.51.100.1").status_code == 401
    assert_account_throttled(log_in(client, "ada@example.com", PASSWORD, "198.51.100.2"))
