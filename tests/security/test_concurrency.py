"""Races the database must settle: one email registered once, one refresh token used once.

Of concurrent refreshes with one refresh token at most one succeeds and the rest are reuse;
of concurrent registrations of one email exactly one succeeds and the rest are 409.

Real threads against the real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
released together by a barrier so their requests overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer

THREADS = 8


def run_together(app: Flask, request: Callable) -> list:
    """Call `request(client)` from THREADS threads at once; the responses, in any order."""
    barrier = threading.Barrier(THREADS)
    responses: list = []
    lock = threading.Lock()

    def worker() -> None:
        client = app.test_client()
        barrier.wait()
        response = request(client)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(responses) == THREADS
    return responses


def test_concurrent_registrations_of_one_email_create_one_user(app, client):
    emails = iter([f"{'RACE' if n % 2 else 'race'}@Example.com" for n in range(THREADS)])
    lock = threading.Lock()

    def register(thread_client):
        with lock:
            email = next(emails)
        return thread_client.post("/auth/register", json={"email": email, "password": PASSWORD})

    responses = run_together(app, register)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (THREADS - 1)
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "email_taken")
    login = client.post("/auth/login", json={"email": "race@example.com", "password": PASSWORD})
    assert login.status_code == 200


def test_concurrent_refreshes_of_one_token_let_at_most_one_win(app, client, make_user, login):
    tokens = login(make_user())

    responses = run_together(
        app,
        lambda thread_client: thread_client.post(
            "/auth/refresh", headers=bearer(tokens["refresh_token"])
        ),
    )

    winners = [response for response in responses if response.status_code == 200]
    assert len(winners) <= 1
    # The first loser to reach the database detects the reuse and ends the session; any
    # loser after it finds the session already ended.
    codes = [
        assert_problem(response, 401, response.get_json()["code"])["code"]
        for response in responses
        if response.status_code != 200
    ]
    assert set(codes) <= {"refresh_reused", "token_revoked"}, codes
    assert "refresh_reused" in codes
    # The losers count as reuse, so the session is over: every token of it is refused.
    held = [tokens["access_token"]] + [w.get_json()["access_token"] for w in winners]
    for access in held:
        assert_problem(client.get("/auth/me", headers=bearer(access)), 401, "token_revoked")
    refreshes = [tokens["refresh_token"]] + [w.get_json()["refresh_token"] for w in winners]
    for refresh in refreshes:
        assert client.post("/auth/refresh", headers=bearer(refresh)).status_code == 401
