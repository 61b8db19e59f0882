"""Liveness, readiness, and failing closed (503) when a dependency does not answer."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.settings import TEST_SECRETS


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_app() -> Iterator[Callable[..., Flask]]:
    """Build extra apps (e.g. on a database that does not answer); disposed afterwards."""
    made: list[Flask] = []

    def make(**overrides) -> Flask:
        app = create_app("testing", {**TEST_SECRETS, **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readiness_follows_the_database_without_restart(tmp_path, make_app):
    folder = tmp_path / "not-yet"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'late.db'}")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    problem = assert_problem(client.get("/readyz"), 503, "service_unavailable")
    assert "database" in problem["detail"]
    folder.mkdir()
    assert client.get("/readyz").status_code == 200


def test_valid_token_fails_closed_when_the_database_is_down(tmp_path, make_app, client, make_user):
    user = make_user()
    tokens = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    down = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    down_client = down.test_client()
    response = down_client.get("/auth/me", headers=bearer(tokens.get_json()["access_token"]))
    body = assert_problem(response, 503, "service_unavailable")
    assert "sqlite" not in response.get_data(as_text=True).lower()
    assert set(body) <= {"type", "title", "status", "code", "detail"}
    response = down_client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_problem(response, 503, "service_unavailable")


@pytest.fixture
def redis_down_app(tmp_path, make_app) -> Flask:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.db'}",
        REDIS_URL=url,
        RATELIMIT_STORAGE_URI=url,
    )
    with app.app_context():
        db.create_all()
    return app


def test_readyz_checks_redis_when_configured(redis_down_app):
    client = redis_down_app.test_client()
    assert client.get("/healthz").status_code == 200
    problem = assert_problem(client.get("/readyz"), 503, "service_unavailable")
    assert "redis" in problem["detail"]


def test_rate_limited_routes_fail_closed_when_redis_is_down(redis_down_app):
    client = redis_down_app.test_client()
    body = {"email": "ada@example.com", "password": "a long passphrase"}
    assert_problem(client.post("/auth/register", json=body), 503, "service_unavailable")
    assert_problem(client.post("/auth/login", json=body), 503, "service_unavailable")
