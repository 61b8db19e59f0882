"""Races, run for real: threads against one app and one SQLite file.

Of concurrent refreshes with one refresh token at most one succeeds and the rest are reuse;
of concurrent registrations of one email exactly one succeeds and the rest are 409.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from app.errors import RefreshReused
from app.extensions import db
from app.identity.models import AuthSession, User
from app.security import sessions
from tests.conftest import assert_problem, bearer, claims_of

THREADS = 4


@pytest.fixture
def app_overrides() -> dict:
    return {"REGISTER_RATE_LIMIT": "1000 per minute", "LOGIN_RATE_LIMIT": "1000 per minute"}


def run_together(app, request: Callable) -> list:
    """Call `request(client)` from THREADS threads released at once; return the responses."""
    barrier = threading.Barrier(THREADS)
    responses: list = [None] * THREADS

    def worker(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[index] = request(client)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(response is not None for response in responses)
    return responses


@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_refresh_with_one_token(app, client, make_user, login, attempt):  # noqa: ARG001
    tokens = login(make_user())
    responses = run_together(
        app, lambda c: c.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    )
    winners = [r for r in responses if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) <= 1
    # The first loser to reach the database detects the reuse and ends the session; any
    # loser after it finds the session already ended.
    codes = [response.get_json()["code"] for response in losers]
    assert set(codes) <= {"refresh_reused", "token_revoked"}, codes
    assert "refresh_reused" in codes
    for response in losers:
        assert response.status_code == 401
    # Reuse ends the session: the winner's new tokens die with it.
    for response in winners:
        new = response.get_json()
        assert_problem(
            client.get("/auth/me", headers=bearer(new["access_token"])), 401, "token_revoked"
        )
        assert_problem(
            client.post("/auth/refresh", headers=bearer(new["refresh_token"])),
            401,
            "token_revoked",
        )


def test_compare_and_set_rotation(app, make_user, login):
    """Two refreshes that both passed authentication: the database lets only one swap."""
    tokens = login(make_user())
    claims = claims_of(tokens["refresh_token"])
    with app.app_context():
        sid, uid = claims["sid"], int(claims["sub"])
        rotation = {"user_id": uid, "presented_jti": claims["jti"], "user_agent": "", "ip": ""}
        sessions.rotate_refresh_token(sid, **rotation)
        with pytest.raises(RefreshReused):
            sessions.rotate_refresh_token(sid, **rotation)
        stored = db.session.get(AuthSession, claims["sid"])
        assert stored.revoked_at is not None
        assert stored.revoked_reason == "refresh_reused"


@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_registration_of_one_email(app, client, attempt):
    email = f"racer{attempt}@example.com"
    responses = run_together(
        app,
        lambda c: c.post(
            "/auth/register", json={"email": email.upper(), "password": "a long passphrase"}
        ),
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (THREADS - 1), [r.get_json() for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "email_taken")
    with app.app_context():
        assert db.session.query(User).filter_by(email=email).count() == 1
