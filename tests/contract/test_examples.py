"""examples/client.py and examples/walkthrough.sh, run against a live gunicorn.

The examples are documentation that runs: if the API or the examples drift apart, these
tests fail. Nothing is mocked; token expiry and rate limiting are real, made quick by
servers started with 2-second access tokens and a tight login limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pyotp
import pytest
import requests

from examples.client import ApiError, WardrobeClient
from tests.support.data import PASSWORD
from tests.support.live_server import LiveServer, run_live_server
from tests.support.mfa import clear_of_step_boundary
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow

WALKTHROUGH = ROOT / "examples" / "walkthrough.sh"
CLIENT = ROOT / "examples" / "client.py"
LOGIN_LIMIT_WINDOW = 2  # seconds: LOGIN_RATE_LIMIT of the rate-limited server below
# flask-limiter rounds the window's end up to the next whole second, so Retry-After may
# exceed the window by up to one second (never too early, which is what matters).
MAX_RETRY_AFTER = LOGIN_LIMIT_WINDOW + 1
ACCESS_LIFETIME = 2  # seconds: JWT_ACCESS_TOKEN_EXPIRES of the short-lived server below


@pytest.fixture(scope="module")
def short_lived_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Access tokens live 2 seconds (JWT `exp` has whole seconds, so in fact 1 to 2).

    Not 1: a token refreshed just before a second ticks over would be expired again by
    the time the client repeats its call.
    """
    with run_live_server(
        tmp_path_factory.mktemp("short"), workers=1, JWT_ACCESS_TOKEN_EXPIRES=str(ACCESS_LIFETIME)
    ) as server:
        yield server


@pytest.fixture(scope="module")
def rate_limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One login per address every 2 seconds; one worker, so every login meets the same count."""
    with run_live_server(
        tmp_path_factory.mktemp("limited"),
        workers=1,
        LOGIN_RATE_LIMIT=f"1 per {LOGIN_LIMIT_WINDOW} seconds",
    ) as server:
        yield server


def new_account(server: LiveServer) -> str:
    """Register a fresh user through the API; returns its email."""
    email = f"client-{uuid.uuid4().hex[:12]}@example.com"
    with WardrobeClient(server.url) as client:
        client.register(email, PASSWORD)
    return email


def raw_get_me(server: LiveServer, access_token: str) -> tuple[int, dict]:
    """GET /auth/me without the client's help: status and body, to check the server's view."""
    with requests.get(
        f"{server.url}/auth/me",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    ) as response:
        return response.status_code, response.json()


def wait_until_expired(server: LiveServer, access_token: str) -> None:
    """Poll (bounded) until the server calls the token expired: no fixed, over-long sleep."""
    deadline = time.monotonic() + ACCESS_LIFETIME + 2
    while time.monotonic() < deadline:
        status, body = raw_get_me(server, access_token)
        if status == 401 and body["code"] == "token_expired":
            return
        assert status == 200, body
        time.sleep(0.2)
    pytest.fail(f"the access token did not expire within {ACCESS_LIFETIME + 2} seconds")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)


# -- walkthrough.sh ------------------------------------------------------------------------


def test_walkthrough_passes_and_can_run_again(live_server: LiveServer) -> None:
    """Twice: a second run needs a new email, or register would be 409. URL from argv, then env."""
    by_argument = run(["bash", str(WALKTHROUGH), live_server.url])
    by_environment = run(
        ["bash", str(WALKTHROUGH)], env={**os.environ, "WARDROBE_URL": live_server.url}
    )
    for result in (by_argument, by_environment):
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"Wardrobe API at {live_server.url}," in result.stdout
        for marker in (
            "ok   201 POST /auth/register",
            "code refresh_reused",
            "ok   204 POST /auth/logout",
            "walkthrough passed",
        ):
            assert marker in result.stdout, result.stdout


def test_walkthrough_exits_non_zero_on_an_unexpected_status(live_server: LiveServer) -> None:
    result = run(["bash", str(WALKTHROUGH), f"{live_server.url}/not-the-api"])
    assert result.returncode == 1
    assert "expected 422, got 404" in result.stderr
    assert "walkthrough passed" not in result.stdout


# -- client.py: the demo ---------------------------------------------------------------------


def test_client_demo_runs_twice(live_server: LiveServer) -> None:
    """The second run meets 409 email_taken at register, which the demo takes in its stride."""
    first = run([sys.executable, str(CLIENT), live_server.url])
    second = run([sys.executable, str(CLIENT)], env={**os.environ, "WARDROBE_URL": live_server.url})
    for result in (first, second):
        assert result.returncode == 0, result.stdout + result.stderr
        assert '"email": "demo@example.com"' in result.stdout
        assert result.stdout.rstrip().endswith("logged out")
    assert "already registered" in second.stdout


# -- client.py: the API ------------------------------------------------------------------------


def test_client_login_me_request_logout(live_server: LiveServer) -> None:
    email = new_account(live_server)
    with WardrobeClient(live_server.url) as client:
        tokens = client.login(email, PASSWORD)
        assert tokens.expires_in == 900
        assert client.me()["email"] == email
        assert client.get("/auth/sessions")["items"][0]["current"] is True
        assert (
            client.request(
                "PUT",
                "/auth/password",
                json={"current_password": PASSWORD, "new_password": "another long passphrase"},
            )
            is None
        )

        client.logout()

        assert client.tokens is None
        status, body = raw_get_me(live_server, tokens.access_token)
        assert (status, body["code"]) == (401, "token_revoked")
        with pytest.raises(ApiError) as error:
            client.me()
        assert (error.value.status, error.value.code) == (401, "token_missing")


def test_client_errors_carry_the_problem_document(live_server: LiveServer) -> None:
    email = new_account(live_server)
    with WardrobeClient(live_server.url) as client:
        with pytest.raises(ApiError) as taken:
            client.register(email, PASSWORD)
        with pytest.raises(ApiError) as invalid:
            client.register(f"x{email}", "short")
        with pytest.raises(ApiError) as wrong:
            client.login(email, "not the password")

    assert (taken.value.status, taken.value.code) == (409, "email_taken")
    assert taken.value.problem["status"] == 409
    assert taken.value.detail
    assert (invalid.value.code, list(invalid.value.problem["errors"])) == (
        "validation_error",
        ["password"],
    )
    assert (wrong.value.status, wrong.value.code) == (401, "invalid_credentials")
    assert str(wrong.value).startswith("401 invalid_credentials: ")


def test_client_refreshes_an_expired_token_once(short_lived_server: LiveServer) -> None:
    email = new_account(short_lived_server)
    with WardrobeClient(short_lived_server.url) as client:
        first = client.login(email, PASSWORD)
        wait_until_expired(short_lived_server, first.access_token)

        assert client.me()["email"] == email

        assert client.tokens is not None
        assert client.tokens.access_token != first.access_token
        assert client.tokens.refresh_token != first.refresh_token


def test_client_reports_a_failed_refresh(short_lived_server: LiveServer) -> None:
    """When the session cannot be refreshed, the refresh's own problem reaches the caller."""
    email = new_account(short_lived_server)
    with (
        WardrobeClient(short_lived_server.url) as client,
        WardrobeClient(short_lived_server.url) as thief,
    ):
        tokens = thief.tokens = client.login(email, PASSWORD)
        thief.refresh()  # rotates the refresh token that `client` still holds
        wait_until_expired(short_lived_server, tokens.access_token)

        with pytest.raises(ApiError) as error:
            client.me()

        assert (error.value.status, error.value.code) == (401, "refresh_reused")
        assert client.tokens is None


def test_client_waits_retry_after_on_429(rate_limited_server: LiveServer) -> None:
    email = new_account(rate_limited_server)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with WardrobeClient(rate_limited_server.url, sleep=sleep) as client:
        client.login(email, PASSWORD)
        waits.clear()  # the first login may have waited for an earlier test's window
        started = time.monotonic()
        client.login(email, PASSWORD)
        elapsed = time.monotonic() - started

    assert len(waits) == 1, waits
    assert 1 <= waits[0] <= MAX_RETRY_AFTER
    assert elapsed >= waits[0]


def test_client_gives_up_after_max_attempts(rate_limited_server: LiveServer) -> None:
    email = new_account(rate_limited_server)
    waits: list[float] = []
    with (
        WardrobeClient(rate_limited_server.url) as patient,
        WardrobeClient(rate_limited_server.url, max_attempts=1, sleep=waits.append) as hasty,
    ):
        patient.login(email, PASSWORD)
        with pytest.raises(ApiError) as error:
            hasty.login(email, PASSWORD)

    assert (error.value.status, error.value.code) == (429, "rate_limited")
    assert error.value.retry_after is not None
    assert 1 <= error.value.retry_after <= MAX_RETRY_AFTER
    assert waits == []


# -- one-time pins ---------------------------------------------------------------------------


def test_client_takes_the_second_step_of_a_login_with_a_pin(live_server: LiveServer) -> None:
    email = new_account(live_server)
    with WardrobeClient(live_server.url) as client:
        client.login(email, PASSWORD)
        secret = client.request("POST", "/auth/mfa/totp", json={"current_password": PASSWORD})[
            "secret"
        ]
        totp = pyotp.TOTP(secret)
        clear_of_step_boundary()
        step = int(time.time() // 30)
        codes = client.request(
            "POST", "/auth/mfa/totp/confirm", json={"code": totp.generate_otp(step - 1)}
        )["recovery_codes"]
        assert len(codes) == 10
        with pytest.raises(ApiError) as refused:
            client.login(email, PASSWORD)
        assert refused.value.code == "mfa_required" and refused.value.problem["mfa_token"]
        client.login(email, PASSWORD, pin=lambda: totp.generate_otp(step + 1))
        assert client.me()["mfa_enabled"] is True
        with pytest.raises(ApiError) as replayed:  # a pin works once
            client.login(email, PASSWORD, pin=lambda: totp.generate_otp(step + 1))
        assert replayed.value.code == "mfa_invalid"
        token = refused.value.problem["mfa_token"]
        client.login_second_step(token, recovery_code=codes[0])
        assert client.me()["email"] == email
