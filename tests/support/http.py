"""Helpers shared by the tests: forging tokens, probing held tokens, counting statements."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import jwt
from flask import Flask
from jwt.warnings import InsecureKeyLengthWarning
from sqlalchemy import event

from app.extensions import db
from tests.conftest import TEST_SECRETS, assert_problem, bearer

SECRET = TEST_SECRETS["JWT_SECRET_KEY"]
WRONG_KEY = "an-attackers-key-that-is-long-enough-0123456789"
INVALID_CHALLENGE = 'Bearer error="invalid_token"'


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine sends inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001 - event signature
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def forge(claims: dict, key: str | None = SECRET, algorithm: str = "HS256", **headers) -> str:
    with warnings.catch_warnings():
        # HS384/HS512 want a longer key than ours; the point here is that we refuse them.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)


def me(client, token: str | None = None, **kwargs):
    headers = bearer(token) if token is not None else {}
    return client.get("/auth/me", headers=headers, **kwargs)


def assert_invalid(response, code: str = "token_invalid") -> None:
    """A 401 with this code and the challenge for a presented-and-rejected token."""
    assert_problem(response, 401, code)
    assert response.headers["WWW-Authenticate"] == INVALID_CHALLENGE


def access_result(client, token: str) -> int | str:
    """200, or the problem `code` GET /auth/me answers with this token."""
    response = client.get("/auth/me", headers=bearer(token))
    if response.status_code == 200:
        return 200
    return assert_problem(response, 401, response.get_json()["code"])["code"]


def refresh(client, token: str, headers: dict | None = None, **kwargs):
    return client.post("/auth/refresh", headers={**bearer(token), **(headers or {})}, **kwargs)


def assert_dead(client, tokens: dict, code: str = "token_revoked") -> None:
    """Both tokens of a pair are refused with `code` (probing a dead refresh token is safe)."""
    assert access_result(client, tokens["access_token"]) == code
    assert_problem(refresh(client, tokens["refresh_token"]), 401, code)


def assert_alive(client, tokens: dict) -> dict:
    """Both tokens of a pair work; returns the pair the refresh gave (the one to hold now)."""
    assert access_result(client, tokens["access_token"]) == 200
    response = refresh(client, tokens["refresh_token"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of users, auth_sessions and clothes, in id order: equal before and after
    a refused request means it changed nothing."""
    from sqlalchemy import select

    from app.extensions import db

    with app.app_context():
        tables = db.metadata.tables
        return {
            name: [tuple(row) for row in db.session.execute(select(tables[name]).order_by("id"))]
            for name in ("users", "auth_sessions", "clothes")
        }
