"""Fail closed, fast, and recover: what clients see while the database is down.

"Down" is a closed port (refused at once), a port that accepts but never answers (a hung
server: the connect timeout must cut it short), or a proxy in front of the real PostgreSQL
that a test stops and starts.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.identity.models import User
from app.security import sessions
from app.security.tokens import issue_token_pair
from tests.support import backends
from tests.support.http import assert_problem, bearer
from tests.support.settings import TEST_SECRETS
from tests.support.signing import forged_access_token

UNREACHABLE_DATABASE = f"postgresql+psycopg://postgres@127.0.0.1:{backends.CLOSED_PORT}/gone"
# The contract's bound; comfortably above the 3 s connect timeout.
DEADLINE_SECONDS = 5


def app_on(database_url: str, **settings) -> Flask:
    return create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, **TEST_SECRETS, **settings}
    )


def timed(call) -> tuple:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.fixture
def down_app() -> Iterator[Flask]:
    app = app_on(UNREACHABLE_DATABASE)  # starting must not need the database
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_app_starts_and_lives_without_redis(tmp_path):
    closed = f"redis://127.0.0.1:{backends.CLOSED_PORT}/0"
    app = app_on(f"sqlite:///{tmp_path / 'no-redis.db'}", REDIS_URL=closed)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert assert_problem(ready, 503, "service_unavailable")["detail"].count("redis") == 1
    body = {"email": "a@example.com", "password": "whatever123"}
    assert_problem(client.post("/auth/login", json=body), 503, "service_unavailable")
    with app.app_context():
        db.engine.dispose()


def test_the_app_starts_and_lives_without_its_database(down_app):
    client = down_app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert "database" in assert_problem(ready, 503, "service_unavailable")["detail"]


@pytest.mark.parametrize(
    "method, path, body, authenticated",
    [
        ("post", "/auth/login", {"email": "a@example.com", "password": "whatever123"}, False),
        ("post", "/auth/register", {"email": "a@example.com", "password": "long enough 1"}, False),
        ("get", "/auth/me", None, True),
        ("get", "/auth/sessions", None, True),
        ("post", "/auth/logout", None, True),
    ],
)
def test_requests_that_need_the_database_answer_503_fast(
    down_app, method, path, body, authenticated
):
    client = down_app.test_client()
    headers = bearer(forged_access_token(down_app)) if authenticated else {}
    response, seconds = timed(lambda: getattr(client, method)(path, json=body, headers=headers))
    body = assert_problem(response, 503, "service_unavailable")
    assert seconds < DEADLINE_SECONDS
    assert "SELECT" not in str(body) and "psycopg" not in str(body)


def test_a_hung_database_is_cut_short_by_the_connect_timeout():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{port}/hung")
        client = app.test_client()
        body = {"email": "a@example.com", "password": "whatever123"}
        response, seconds = timed(lambda: client.post("/auth/login", json=body))
        with app.app_context():
            db.engine.dispose()
    assert_problem(response, 503, "service_unavailable")
    assert seconds < DEADLINE_SECONDS


def test_the_app_recovers_when_the_database_comes_back(postgres_url):
    if postgres_url is None:
        pytest.skip("needs PostgreSQL: runs when TEST_DATABASE_URL is set (make test-pg)")
    real = make_url(postgres_url)
    proxy = backends.TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    proxy.start()
    app = app_on(real.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    client = app.test_client()
    unknown = {"email": "nobody@example.com", "password": "whatever123"}
    try:
        assert client.get("/readyz").status_code == 200
        assert_problem(client.post("/auth/login", json=unknown), 401, "invalid_credentials")

        proxy.stop()
        assert_problem(client.get("/readyz"), 503, "service_unavailable")
        assert_problem(client.post("/auth/login", json=unknown), 503, "service_unavailable")

        proxy.start()
        assert client.get("/readyz").status_code == 200
        assert_problem(client.post("/auth/login", json=unknown), 401, "invalid_credentials")
    finally:
        with app.app_context():
            db.engine.dispose()
        proxy.stop()


def test_an_exhausted_connection_pool_answers_503(tmp_path):
    app = app_on(
        f"sqlite:///{tmp_path / 'pool.db'}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.5},
    )
    with app.app_context():
        db.create_all()
        held = db.engine.connect()  # every connection of the pool is busy elsewhere
        try:
            body = {"email": "a@example.com", "password": "whatever123"}
            response, seconds = timed(lambda: app.test_client().post("/auth/login", json=body))
        finally:
            held.close()
            db.engine.dispose()
    assert_problem(response, 503, "service_unavailable")
    assert seconds < DEADLINE_SECONDS


def test_a_hung_redis_is_cut_short_and_tokens_are_checked_against_the_database(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        redis_url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        app = app_on(f"sqlite:///{tmp_path / 'hung.db'}", REDIS_URL=redis_url)
        with app.app_context():
            db.create_all()
            token = tokens_for_new_user()
        client = app.test_client()
        me, me_seconds = timed(lambda: client.get("/auth/me", headers=bearer(token)))
        again, again_seconds = timed(lambda: client.get("/auth/me", headers=bearer(token)))
        body = {"email": "a@example.com", "password": "whatever123"}
        login, login_seconds = timed(lambda: client.post("/auth/login", json=body))
        ready = client.get("/readyz")
        with app.app_context():
            db.engine.dispose()
    assert me.status_code == 200 and me_seconds < 2
    assert again.status_code == 200 and again_seconds < 0.3  # Redis reads paused meanwhile
    assert_problem(login, 503, "service_unavailable")
    assert login_seconds < 2
    assert "redis" in assert_problem(ready, 503, "service_unavailable")["detail"]


def tokens_for_new_user() -> str:
    """Log a user in without HTTP (the login route needs the rate limiter's Redis)."""
    user = User(email="hung@example.com", password_hash="unused", role="user")
    db.session.add(user)
    db.session.flush()
    session = sessions.start_session(user, lifetime_seconds=600, user_agent="test", ip="::1")
    db.session.commit()
    return issue_token_pair(user, session).access_token


def test_create_admin_without_its_database_gives_one_line_and_a_failure(down_app):
    with down_app.app_context():  # what `flask --app wsgi` pushes around every command
        result = down_app.test_cli_runner().invoke(
            args=["create-admin", "root@example.com", "--password", "a long admin passphrase"]
        )
    assert result.exit_code != 0
    assert "database is unavailable" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_prune_sessions_without_its_database_gives_one_line_and_a_failure(down_app):
    with down_app.app_context():
        result = down_app.test_cli_runner().invoke(args=["prune-sessions"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: the database is unavailable")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
