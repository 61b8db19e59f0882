"""The last-admin rule under concurrency: two admins demoting each other at the same moment.

Real threads, each with its own database connection, released together by a barrier. On
PostgreSQL each transaction used to lock its own row first and then the other's, and they
deadlocked (a 503 for one of them, about half the time). Exactly one demotion must win and
the other must be refused with 409 last_admin, every time. SQLite (one writer) runs it too.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select

from app.errors import LastAdmin
from app.extensions import db
from app.identity.models import User
from app.users.services import update_user
from tests.support.data import PASSWORD

ROUNDS = 20


def demote_each_other(app: Flask, first: int, second: int, change: dict) -> list[str]:
    """Thread A applies `change` to `second`, thread B to `first`; each outcome as a word."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def demote(user_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                update_user(user_id, **change)
                outcome = "done"
            except LastAdmin:
                outcome = "last_admin"
            except Exception as error:  # any other outcome fails the test
                outcome = type(error).__name__
            finally:
                db.session.remove()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=demote, args=(user_id,)) for user_id in (second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.parametrize("change", [{"role": "user"}, {"is_active": False}], ids=["role", "active"])
def test_two_admins_demoting_each_other_leave_one_admin_and_a_409(app, make_user, change):
    for _ in range(ROUNDS):
        first, second = make_user(role="admin").id, make_user(role="admin").id
        assert demote_each_other(app, first, second, change) == ["done", "last_admin"]
        with app.app_context():
            admins = db.session.scalars(
                select(User.id).where(User.role == "admin", User.is_active.is_(True))
            ).all()
            assert len(admins) == 1
            # Leave no admin for the next round, so each round starts with exactly two.
            db.session.execute(User.__table__.update().values(role="user"))
            db.session.commit()


def close_both_at_once(app: Flask, headers: list[dict]) -> list[int]:
    """Each caller sends DELETE /auth/me from its own thread, released together."""
    barrier = threading.Barrier(len(headers))
    statuses: list[int] = []

    def close(auth: dict) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.delete("/auth/me", json={"current_password": PASSWORD}, headers=auth)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=close, args=(auth,)) for auth in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(statuses)


def test_two_last_admins_closing_their_accounts_at_once_leave_one(app, make_user, login):
    """DELETE /auth/me shares the rule (and its lock order): one closes, the other is 409."""
    for _ in range(5):
        headers = [
            {"Authorization": f"Bearer {login(make_user(role='admin'))['access_token']}"}
            for _ in range(2)
        ]
        assert close_both_at_once(app, headers) == [204, 409]
        with app.app_context():
            db.session.execute(User.__table__.update().values(role="user"))
            db.session.commit()
