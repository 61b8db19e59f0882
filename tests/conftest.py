"""Fixtures only: a fresh app and database per test, a client, an admin, a user, an item.

SQLite by default (a new file per test). With TEST_DATABASE_URL, PostgreSQL: one database
made for this run (tables created once, emptied after each test, dropped at the end); with
TEST_REDIS_URL, Redis under a key prefix per test (tests/support/backends.py). The helpers
the tests import live in tests/support/.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import argon2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.identity.models import User
from app.identity.passwords import passwords
from tests.support import backends
from tests.support.data import ITEM, PASSWORD
from tests.support.http import bearer
from tests.support.live_server import LiveServer, run_live_server
from tests.support.mail import SmtpServer
from tests.support.settings import GENEROUS_LIMITS, TEST_SECRETS
from tests.support.tokens import claims_of

# Fails the run when the app answers a problem code its OpenAPI document does not list.
pytest_plugins = ["tests.support.problem_recorder"]


@pytest.fixture
def app_overrides() -> dict:
    """Settings a test module may override (e.g. a tight rate limit: the default is generous)."""
    return {}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """This run's own PostgreSQL database, tables created; None when running on SQLite."""
    if backends.TEST_DATABASE_URL is None:
        yield None
        return
    url = backends.create_database(backends.TEST_DATABASE_URL)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, **TEST_SECRETS})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    backends.drop_database(backends.TEST_DATABASE_URL, url)


@pytest.fixture(scope="session")
def redis_prefixes() -> Iterator[Iterator[str] | None]:
    """Key prefixes unique to each test of this run; their keys are deleted at the end."""
    if backends.TEST_REDIS_URL is None:
        yield None
        return
    backends.check_redis(backends.TEST_REDIS_URL)
    run_prefix = f"wardrobe_test_{backends.RUN_ID}:"
    yield (f"{run_prefix}{n}:" for n in itertools.count())
    backends.delete_keys(backends.TEST_REDIS_URL, run_prefix)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[backends.PrivateRedis]:
    """A redis-server of this test's own, which it may stop and start again."""
    server = backends.PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (aiosmtpd), started; the test may stop and restart it."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def backend_settings(tmp_path, postgres_url, redis_prefixes) -> dict:
    """Where this test's app keeps its data: SQLite or PostgreSQL, and Redis if configured."""
    settings = {"SQLALCHEMY_DATABASE_URI": postgres_url or f"sqlite:///{tmp_path / 'test.db'}"}
    if redis_prefixes is not None:
        settings |= {"REDIS_URL": backends.TEST_REDIS_URL, "REDIS_KEY_PREFIX": next(redis_prefixes)}
    return settings


@pytest.fixture
def app(backend_settings: dict, app_overrides: dict) -> Iterator[Flask]:
    settings = {**backend_settings, **TEST_SECRETS, **GENEROUS_LIMITS}
    app = create_app("testing", settings | app_overrides)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if url.startswith("sqlite"):
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if url == backend_settings["SQLALCHEMY_DATABASE_URI"] and not url.startswith("sqlite"):
            empty_tables()
        db.engine.dispose()


def empty_tables() -> None:
    """Cheaper than dropping and creating the tables for every test on PostgreSQL."""
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


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
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hash of every argon2 verification, counted by a spy that still does the real work."""
    calls: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def spy(self: argon2.PasswordHasher, password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real_verify(self, password_hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    return calls


@pytest.fixture
def headers_for(make_user: Callable[..., User], login: Callable[..., dict]) -> Callable[..., dict]:
    """Request headers for a caller: None (anonymous), or a fresh user of that role."""

    def make(role: str | None) -> dict[str, str]:
        return {} if role is None else bearer(login(make_user(role=role))["access_token"])

    return make


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One gunicorn for the whole run, shared by the examples, the generated client and the
    browser check. They follow the README's walkthrough, where an admin signs in with a
    password alone (ADMIN_MFA_REQUIRED off, as in development); the production default is
    tested in-process (tests/security/test_mfa_policy.py)."""
    with run_live_server(tmp_path_factory.mktemp("live"), ADMIN_MFA_REQUIRED="false") as server:
        yield server


@pytest.fixture
def tokens(make_user: Callable[..., User], login: Callable[..., dict]) -> dict:
    """A fresh user's token pair, from a real login."""
    return login(make_user())


@pytest.fixture
def access_claims(tokens: dict) -> dict:
    return claims_of(tokens["access_token"])


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    """The admin, admin@example.com."""
    return make_user(role="admin", email="admin@example.com")


@pytest.fixture
def admin_headers(admin: User, login: Callable[..., dict]) -> dict[str, str]:
    """The admin's Authorization header, from a real login."""
    return bearer(login(admin)["access_token"])


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    """A user (role "user"), user@example.com."""
    return make_user(email="user@example.com")


@pytest.fixture
def user_headers(user: User, login: Callable[..., dict]) -> dict[str, str]:
    """The user's Authorization header, from a real login."""
    return bearer(login(user)["access_token"])


@pytest.fixture
def item(client: FlaskClient, admin_headers: dict[str, str]) -> dict:
    """ITEM, created by the admin through the API (id 1); returns its JSON."""
    response = client.post("/clothes", json=ITEM, headers=admin_headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
