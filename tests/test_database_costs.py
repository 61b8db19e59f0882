"""What a request costs the database: statements counted with an SQLAlchemy event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.conftest import PASSWORD, bearer

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine executes inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        seen.append(statement.strip().split()[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def app_overrides() -> dict:
    """The counts below are those without Redis: with it (make test-pg), a warm session check
    costs no statement at all, and a change made in SQL behind the app's back is not seen
    until the cache entry expires (test_session_cache.py covers that configuration)."""
    return {"REDIS_URL": None}


@pytest.fixture
def tokens(client, make_user, login) -> dict:
    tokens = login(make_user())
    client.get("/auth/me", headers=bearer(tokens["access_token"]))  # warm up the connection
    return tokens


def test_authenticated_request_is_one_statement(app, client, tokens):
    with statements(app) as seen:
        response = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert seen == ["SELECT"]


def test_rejected_token_costs_at_most_one_statement(app, client, tokens):
    with app.app_context():
        db.session.execute(db.text("UPDATE users SET is_active = false"))
        db.session.commit()
    with statements(app) as seen:
        response = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert seen == ["SELECT"]


def test_bad_signature_costs_nothing(app, client, tokens):
    with statements(app) as seen:
        client.get("/auth/me", headers=bearer(tokens["access_token"][:-4] + "AAAA"))
    assert seen == []


@pytest.mark.parametrize(
    "path", ["/auth/me", "/auth/sessions", "/healthz", "/readyz", "/openapi.json", "/docs"]
)
def test_get_writes_nothing(app, client, tokens, path):
    with statements(app) as seen:
        response = client.get(path, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert not [statement for statement in seen if statement in WRITES]


def test_sessions_list_is_two_statements(app, client, tokens):
    with statements(app) as seen:
        client.get("/auth/sessions", headers=bearer(tokens["access_token"]))
    assert seen == ["SELECT", "SELECT"]


def test_healthz_touches_no_database(app, client):
    with statements(app) as seen:
        assert client.get("/healthz").status_code == 200
    assert seen == []


def test_login_verifies_one_password(client, make_user, verifications):
    user = make_user()
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert len(verifications) == 1
