"""Fixtures: a fresh app and database per test, a client, and helpers that make users."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.identity.models import User
from app.identity.passwords import passwords

PASSWORD = "correct horse battery staple"
TEST_SECRETS = {
    "SECRET_KEY": "test-secret-key-0123456789abcdef-0123456789",
    "JWT_SECRET_KEY": "test-jwt-secret-key-0123456789abcdef-012345",
}


@pytest.fixture
def app_overrides() -> dict:
    """Settings a test module may override (e.g. a tighter rate limit)."""
    return {}


@pytest.fixture
def app(tmp_path, app_overrides: dict) -> Iterator[Flask]:
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}", **TEST_SECRETS}
        | app_overrides,
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Insert a user directly (no HTTP, no rate limit); returns the detached row."""
    counter = iter(range(1, 10_000))

    def make(
        *, email: str | None = None, role: str = "user", is_active: bool = True, name: str = ""
    ) -> User:
        with app.app_context():
            user = User(
                email=email or f"user{next(counter)}@example.com",
                name=name,
                role=role,
                is_active=is_active,
                password_hash=passwords().hash(PASSWORD),
            )
            db.session.add(user)
            db.session.commit()
            return user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., dict]:
    """Log in through the API; returns the token body."""

    def do_login(user_or_email: User | str, password: str = PASSWORD) -> dict:
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        response = client.post("/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return do_login


@pytest.fixture
def headers_for(make_user: Callable[..., User], login: Callable[..., dict]) -> Callable[..., dict]:
    """Request headers for a caller: None (anonymous), or a fresh user of that role."""

    def make(role: str | None) -> dict[str, str]:
        return {} if role is None else bearer(login(make_user(role=role))["access_token"])

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, code: str) -> dict:
    """The response is a problem document with this status and code; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["type"], str) and isinstance(body["title"], str)
    return body
