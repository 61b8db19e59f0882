"""What a request costs the database: statements counted with an SQLAlchemy event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.users.services import update_user
from tests.support.data import ITEM, PASSWORD
from tests.support.database import sql_statements
from tests.support.http import bearer
from tests.support.tokens import claims_of

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """The verb (SELECT, INSERT...) of every statement the app sends inside the block."""
    with sql_statements(app) as seen:
        verbs: list[str] = []
        yield verbs
    verbs.extend(statement.strip().split()[0].upper() for statement in seen)


@pytest.fixture
def tokens(client, make_user, login) -> dict:
    tokens = login(make_user())
    client.get("/auth/me", headers=bearer(tokens["access_token"]))  # warm up the connection
    return tokens


def authentication_statements(app) -> list[str]:
    """Checking a token: one SELECT (session and user), or none when Redis serves the check."""
    return [] if app.config["REDIS_URL"] else ["SELECT"]


def test_authenticated_read_is_authentication_plus_data(app, client, tokens):
    """One round trip to check the token (none with Redis), one for the data, no write."""
    with statements(app) as seen:
        response = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert seen == [*authentication_statements(app), "SELECT"]


def test_clothes_list_is_authentication_plus_one_query(app, client, tokens):
    with statements(app) as seen:
        response = client.get("/clothes?limit=20", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert seen == [*authentication_statements(app), "SELECT"]


@pytest.fixture
def outfits(app, client, tokens, admin_headers) -> list[int]:
    """20 outfits of the tokens' user, each of 10 catalogue items; their ids."""
    headers = bearer(tokens["access_token"])
    clothes = [
        client.post("/clothes", json={**ITEM, "name": f"S{n}"}, headers=admin_headers).get_json()
        for n in range(10)
    ]
    body = {"name": "Look", "visibility": "public", "items": [item["id"] for item in clothes]}
    return [client.post("/outfits", json=body, headers=headers).get_json()["id"] for _ in range(20)]


@pytest.mark.parametrize("path", ["/outfits/{id}", "/outfits?limit=20", "/outfits/public"])
def test_outfit_reads_are_authentication_plus_one_query(app, client, tokens, outfits, path):
    """Items are aggregated in the same statement: no query per outfit or per item."""
    with statements(app) as seen:
        response = client.get(path.format(id=outfits[0]), headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    body = response.get_json()
    shown = body["items"] if "next_cursor" in body else [body]
    assert len(shown) == (1 if "{id}" in path else 20)
    assert all(len(outfit["items"]) == 10 for outfit in shown)
    assert seen == [*authentication_statements(app), "SELECT"]


def test_an_admins_view_of_a_user_counts_outfits_in_the_same_statement(
    app, client, admin_headers, tokens, outfits
):
    user_id = claims_of(tokens["access_token"])["sub"]
    with statements(app) as seen:
        response = client.get(f"/users/{user_id}", headers=admin_headers)
    assert response.get_json()["outfit_count"] == 20
    assert seen == [*authentication_statements(app), "SELECT"]


@contextmanager
def pool_traffic(app) -> Iterator[list[str]]:
    """Records "checkout" and "checkin" for each connection taken from or given back to the pool."""
    with app.app_context():
        pool = db.engine.pool
    seen: list[str] = []

    def on_checkout(*_args) -> None:
        seen.append("checkout")

    def on_checkin(*_args) -> None:
        seen.append("checkin")

    event.listen(pool, "checkout", on_checkout)
    event.listen(pool, "checkin", on_checkin)
    try:
        yield seen
    finally:
        event.remove(pool, "checkout", on_checkout)
        event.remove(pool, "checkin", on_checkin)


@pytest.mark.parametrize("path", ["/auth/me", "/clothes?limit=20"])
def test_reads_share_one_connection_given_back_after_the_request(app, client, tokens, path):
    """The token check and the data read use one pooled connection (one pre-ping on
    PostgreSQL), and it is back in the pool when the response is out."""
    with pool_traffic(app) as seen:
        response = client.get(path, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert seen == ["checkout", "checkin"]


def in_transaction(dbapi_connection) -> bool:
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return dbapi_connection.in_transaction
    return dbapi_connection.info.transaction_status.name != "IDLE"  # psycopg


@pytest.mark.parametrize("path", ["/auth/me", "/clothes?limit=20"])
def test_reads_open_no_transaction(app, client, tokens, path):
    """On PostgreSQL a read transaction would cost two more round trips (BEGIN, ROLLBACK)."""
    seen: list[bool] = []

    def after_execute(connection, *_args) -> None:
        seen.append(in_transaction(connection.connection.dbapi_connection))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", after_execute)
    try:
        response = client.get(path, headers=bearer(tokens["access_token"]))
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)
    assert response.status_code == 200
    assert seen
    assert not any(seen)


def test_rejected_token_costs_at_most_one_statement(app, client, tokens):
    with app.app_context():
        update_user(int(claims_of(tokens["access_token"])["sub"]), is_active=False)
    with statements(app) as seen:
        response = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert seen in ([], ["SELECT"])  # with Redis, a changed user is re-read once


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
    assert seen == [*authentication_statements(app), "SELECT"]


def test_healthz_touches_no_database(app, client):
    with statements(app) as seen:
        assert client.get("/healthz").status_code == 200
    assert seen == []


def test_login_verifies_one_password(client, make_user, verifications):
    user = make_user()
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert len(verifications) == 1


def test_password_reset_costs_the_same_for_any_email(app, client, make_user, verifications):
    """An active, a deactivated and an unknown email: the same statements, no password hash
    verified, so the work (and so the time) does not tell which emails have accounts."""
    make_user(email="live@example.com")
    make_user(email="gone@example.com", is_active=False)
    client.post("/auth/password-reset", json={"email": "warm@example.com"})  # warm up
    costs = []
    for email in ("live@example.com", "gone@example.com", "nobody@example.com"):
        with statements(app) as seen:
            response = client.post("/auth/password-reset", json={"email": email})
        assert response.status_code == 202
        costs.append(seen)
    assert costs[0] == costs[1] == costs[2]
    assert costs[0] == ["SELECT", "UPDATE", "INSERT", "INSERT"]
    assert verifications == []
