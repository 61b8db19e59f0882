"""The session check served from Redis: free for the database, and never staler than the truth.

Each test gets a redis-server of its own (tests/support/backends.PrivateRedis), so it may stop and
start it. Two apps on one database and one Redis play two workers (or two hosts).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from app import create_app
from app.extensions import db
from app.identity.models import User
from app.security import session_cache, session_state, sessions
from app.security.authentication import authenticate
from app.users.services import create_or_promote_admin
from tests.support import backends
from tests.support.data import PASSWORD
from tests.support.database import sql_statements
from tests.support.http import assert_problem, bearer

SHARED_SETTINGS = (
    "SQLALCHEMY_DATABASE_URI",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "SECRET_KEY",
    "JWT_SECRET_KEY",
)


@pytest.fixture
def app_overrides(private_redis) -> dict:
    return {"REDIS_URL": private_redis.url, "REDIS_KEY_PREFIX": "wardrobe_test:"}


@pytest.fixture
def other_worker(app: Flask) -> Iterator[FlaskClient]:
    """A second app on the same database and Redis, like another gunicorn worker or host."""
    worker = create_app("testing", {name: app.config[name] for name in SHARED_SETTINGS})
    yield worker.test_client()
    with worker.app_context():
        db.engine.dispose()


def check_token(app: Flask, token: str):
    with app.test_request_context(headers=bearer(token)):
        return authenticate()


def test_a_cached_check_costs_no_database_query(app, make_user, login):
    user = make_user()
    tokens = login(user)
    with sql_statements(app) as first:
        check_token(app, tokens["access_token"])
    with sql_statements(app) as second:
        principal = check_token(app, tokens["access_token"])
    assert len(first) == 1  # the miss: session and user in one query, then cached
    assert second == []
    assert (principal.user_id, principal.role) == (user.id, "user")


def test_a_cached_check_is_one_redis_command(app, private_redis, make_user, login):
    tokens = login(make_user())
    check_token(app, tokens["access_token"])  # warm the cache
    redis = Redis.from_url(private_redis.url)
    redis.config_resetstat()
    check_token(app, tokens["access_token"])
    stats = redis.info("commandstats")
    redis.close()
    commands = {name: stat["calls"] for name, stat in stats.items() if "config" not in name}
    # One round trip: the read script (EVALSHA), and the MGET it runs inside Redis.
    assert commands == {"cmdstat_evalsha": 1, "cmdstat_mget": 1}


@pytest.mark.parametrize("how", ["logout", "logout-all", "delete-session", "password"])
def test_a_session_ended_on_one_worker_is_refused_by_every_worker(
    how, client, other_worker, make_user, login
):
    user = make_user()
    tokens = login(user)
    kept = login(user)
    assert other_worker.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert other_worker.get("/auth/me", headers=bearer(kept["access_token"])).status_code == 200

    ender = bearer(kept["access_token"]) if how in ("password", "delete-session") else None
    headers = ender or bearer(tokens["access_token"])
    if how == "delete-session":
        victim = check_session_id(client, tokens["access_token"])
        response = client.delete(f"/auth/sessions/{victim}", headers=headers)
    elif how == "password":
        body = {"current_password": PASSWORD, "new_password": "another long passphrase"}
        response = client.put("/auth/password", json=body, headers=headers)
    else:
        response = client.post(f"/auth/{how}", headers=headers)
    assert response.status_code == 204, response.get_json()

    for worker in (client, other_worker):
        refused = worker.get("/auth/me", headers=bearer(tokens["access_token"]))
        assert_problem(refused, 401, "token_revoked")
        refused = worker.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
        assert_problem(refused, 401, "token_revoked")
    kept_alive = other_worker.get("/auth/me", headers=bearer(kept["access_token"])).status_code
    assert kept_alive == (401 if how == "logout-all" else 200)


def check_session_id(client: FlaskClient, access_token: str) -> int:
    listed = client.get("/auth/sessions", headers=bearer(access_token)).get_json()["items"]
    return next(item["id"] for item in listed if item["current"])


def test_a_promotion_makes_cached_access_tokens_stale_on_every_worker(
    app, other_worker, make_user, login
):
    user = make_user()
    tokens = login(user)
    assert other_worker.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200

    with app.app_context():
        create_or_promote_admin(email=user.email, password=None)

    stale = other_worker.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert_problem(stale, 401, "token_stale")
    refreshed = other_worker.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    assert check_token(app, refreshed.get_json()["access_token"]).role == "admin"


@pytest.mark.parametrize("tells_the_cache", [True, False])
def test_a_deactivation_ends_cached_sessions_on_every_worker(
    app, other_worker, make_user, login, tells_the_cache
):
    """revoke_user_sessions alone is enough: it also forgets the user's cached state."""
    user = make_user()
    tokens = login(user)
    assert other_worker.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200

    with app.app_context():
        db.session.get_one(User, user.id).is_active = False
        db.session.commit()
        sessions.revoke_user_sessions(user.id, reason="deactivated")
        if tells_the_cache:
            sessions.user_changed(user.id)

    refused = other_worker.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert_problem(refused, 401, "token_revoked")


def test_a_fill_that_raced_a_change_does_not_store_the_old_state(app, make_user, login):
    user = make_user()
    session_id = check_token(app, login(user)["access_token"]).session_id
    with app.app_context():
        live = session_state.load_session_state(session_id, user.id, fresh=True)
        facts = session_cache.CachedFacts(
            live.user_id, live.expires_at, live.revoked, live.role, live.is_active
        )
        sessions.user_changed(user.id)
        seen = session_cache.lookup(session_id, user.id)
        assert seen is not None and seen.facts is None  # the user entry is gone: a miss
        sessions.user_changed(user.id)  # a change lands between that read and the fill

        session_cache.fill(
            session_id, facts, generation_seen=seen.generation, read_at=time.monotonic()
        )
        assert session_cache.lookup(session_id, user.id).facts is None  # not written

        sessions.revoke_session(session_id, reason="logout")
        latest = session_cache.lookup(session_id, user.id)
        session_cache.fill(  # a slow "live" fill
            session_id, facts, generation_seen=latest.generation, read_at=time.monotonic()
        )
        assert session_cache.lookup(session_id, user.id).facts.revoked  # the tombstone stays


def test_with_redis_down_tokens_are_checked_against_the_database(
    client, private_redis, make_user, login
):
    user = make_user()
    tokens, other = login(user), login(user)
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200

    private_redis.stop()
    try:
        assert client.get("/auth/me", headers=bearer(other["access_token"])).status_code == 200
        logout = client.post("/auth/logout", headers=bearer(tokens["access_token"]))
        assert_problem(logout, 503, "service_unavailable")  # saved, but Redis was not told
        refused = client.get("/auth/me", headers=bearer(tokens["access_token"]))
        assert_problem(refused, 401, "token_revoked")
        login_attempt = client.post("/auth/login", json={"email": user.email, "password": "x"})
        assert_problem(login_attempt, 503, "service_unavailable")  # the limiter fails closed
        ready = client.get("/readyz")
        assert "redis" in assert_problem(ready, 503, "service_unavailable")["detail"]
    finally:
        private_redis.start()

    assert client.get("/readyz").status_code == 200
    assert_problem(
        client.get("/auth/me", headers=bearer(tokens["access_token"])), 401, "token_revoked"
    )
    assert client.get("/auth/me", headers=bearer(login(user)["access_token"])).status_code == 200


def test_a_revocation_holds_after_redis_restarts_empty(client, private_redis, make_user, login):
    tokens = login(make_user())
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.post("/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204

    private_redis.stop()
    private_redis.start()

    refused = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert_problem(refused, 401, "token_revoked")


def test_a_revocation_redis_missed_is_enforced_after_one_ttl_at_most(app, make_user, login):
    """The accepted window (docs/scaling.md): a worker cut off from Redis revokes a session;
    a worker that still reads the old entry serves it for at most SESSION_CACHE_TTL."""
    ttl = 1
    token = bearer(login(make_user())["access_token"])
    settings = {name: app.config[name] for name in SHARED_SETTINGS}
    # The rate limiter is one object per process and takes the storage of the app made last:
    # make the app that can reach Redis last (in production each process has one app).
    cut_off = create_app(
        "testing", {**settings, "REDIS_URL": f"redis://127.0.0.1:{backends.CLOSED_PORT}/0"}
    )
    seeing = create_app("testing", {**settings, "SESSION_CACHE_TTL": ttl})
    try:
        assert seeing.test_client().get("/auth/me", headers=token).status_code == 200  # cached
        logout = cut_off.test_client().post("/auth/logout", headers=token)
        assert_problem(logout, 503, "service_unavailable")  # committed; Redis not told
        assert seeing.test_client().get("/auth/me", headers=token).status_code == 200  # stale
        time.sleep(ttl + 0.2)
        refused = seeing.test_client().get("/auth/me", headers=token)
        assert_problem(refused, 401, "token_revoked")
    finally:
        for worker in (seeing, cut_off):
            with worker.app_context():
                db.engine.dispose()
