"""A revocation reaches every worker even when Redis cannot take it.

Two apps share one database (a SQLite file, or PostgreSQL) and one private redis-server,
like two gunicorn workers: `app` reaches Redis through a TcpProxy the test may cut (a worker
cut off from Redis), `other_worker` reaches it directly. A Redis that refuses writes is made
with CONFIG SET maxmemory 1 + noeviction (out of memory) or REPLICAOF (a read-only replica).

The promise under test (docs/scaling.md): a revoked or demoted token is refused by every
worker at once when Redis takes deletes, within SESSION_CACHE_TTL seconds when it cannot be
reached at all, and at once after the change is repeated on a worker that reaches it.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from app import create_app
from app.extensions import db
from tests.support import backends
from tests.support.data import ITEM, PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.settings import GENEROUS_LIMITS

# Entries live this long in most tests here: far longer than a test, so a token refused
# at once was refused because of the invalidation, not because its entry expired.
LONG_TTL = 30
SHARED_SETTINGS = ("SQLALCHEMY_DATABASE_URI", "REDIS_KEY_PREFIX", "SECRET_KEY", "JWT_SECRET_KEY")
CHANGES = ["logout", "logout-all", "password", "deactivate", "demote"]
passphrases = (f"another long passphrase {n}" for n in itertools.count())


@pytest.fixture
def proxy(private_redis: backends.PrivateRedis) -> Iterator[backends.TcpProxy]:
    proxy = backends.TcpProxy("127.0.0.1", private_redis.port)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def ttl() -> int:
    return LONG_TTL


@pytest.fixture
def app_overrides(proxy: backends.TcpProxy, ttl: int) -> dict:
    return {
        "REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0",
        "REDIS_KEY_PREFIX": "wardrobe_test:",
        "SESSION_CACHE_TTL": ttl,
    }


@pytest.fixture
def other_app(app: Flask, private_redis: backends.PrivateRedis) -> Iterator[Flask]:
    """Made last, so the process-wide rate limiter counts in the Redis it reaches directly."""
    settings = {name: app.config[name] for name in SHARED_SETTINGS}
    worker = create_app(
        "testing",
        {
            **settings,
            **GENEROUS_LIMITS,
            "REDIS_URL": private_redis.url,
            "SESSION_CACHE_TTL": app.config["SESSION_CACHE_TTL"],
        },
    )
    yield worker
    with worker.app_context():
        db.engine.dispose()


@pytest.fixture
def other_worker(other_app: Flask) -> FlaskClient:
    return other_app.test_client()


@pytest.fixture
def redis(private_redis: backends.PrivateRedis) -> Iterator[Redis]:
    client = Redis.from_url(private_redis.url)
    yield client
    client.close()


@dataclass
class Scene:
    """A victim with two sessions, and an admin who may change the victim."""

    victim_id: int
    victim_email: str
    tokens: dict
    kept: dict
    admin: dict
    password: str = PASSWORD


@pytest.fixture
def scene(make_user, other_worker: FlaskClient) -> Scene:
    def login(email: str) -> dict:
        response = other_worker.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    victim = make_user(role="admin")  # an admin, so that a demotion can be tried
    admin = make_user(role="admin")
    return Scene(
        victim.id, victim.email, login(victim.email), login(victim.email), login(admin.email)
    )


def change(client: FlaskClient, scene: Scene, how: str):
    """Make the change `how` to the victim through `client`; returns the response."""
    if how in ("logout", "logout-all"):
        return client.post(f"/auth/{how}", headers=bearer(scene.tokens["access_token"]))
    if how == "password":
        new = next(passphrases)
        body = {"current_password": scene.password, "new_password": new}
        response = client.put(
            "/auth/password", json=body, headers=bearer(scene.kept["access_token"])
        )
        if response.status_code == 204 or "saved" in (response.get_json() or {}).get("detail", ""):
            scene.password = new
        return response
    body = {"is_active": False} if how == "deactivate" else {"role": "user"}
    return client.patch(
        f"/users/{scene.victim_id}", json=body, headers=bearer(scene.admin["access_token"])
    )


def victim_result(client: FlaskClient, scene: Scene, how: str) -> int | str:
    """200 or 201 when the victim's old access token still works; else the 401's code.

    A demoted admin tries an admin write; everyone else reads their profile.
    """
    headers = bearer(scene.tokens["access_token"])
    if how == "demote":
        response = client.post("/clothes", json=ITEM, headers=headers)
    else:
        response = client.get("/auth/me", headers=headers)
    if response.status_code in (200, 201):
        return response.status_code
    return assert_problem(response, 401, response.get_json()["code"])["code"]


def accepted(result: int | str) -> bool:
    return result in (200, 201)


def warm(scene: Scene, how: str, *clients: FlaskClient) -> None:
    """Have the victim's state cached, as it is on a busy system."""
    for client in clients:
        assert accepted(victim_result(client, scene, how))


def assert_says_saved_within(response, ttl: int) -> None:
    detail = assert_problem(response, 503, "service_unavailable")["detail"]
    assert "saved" in detail and f"within {ttl} seconds" in detail


# A password change is counted by its rate limit in Redis first: out of memory, it is refused
# whole (the next test), so there is no change to spread.
@pytest.mark.parametrize("how", [how for how in CHANGES if how != "password"])
def test_with_redis_out_of_memory_a_change_is_refused_everywhere_at_once(
    how, client, other_worker, scene, redis
):
    warm(scene, how, client, other_worker)
    redis.config_set("maxmemory-policy", "noeviction")
    redis.config_set("maxmemory", 1)  # every write is refused from now on; DEL still works

    response = change(client, scene, how)

    if response.status_code == 503:
        assert_says_saved_within(response, LONG_TTL)
    else:
        assert response.status_code in (200, 204), response.get_json()
    for worker in (other_worker, client, other_worker):  # twice: a refill must not revive it
        assert not accepted(victim_result(worker, scene, how))


def test_with_redis_out_of_memory_a_password_change_is_refused_whole(
    client, other_worker, scene, redis
):
    warm(scene, "password", client, other_worker)
    redis.config_set("maxmemory-policy", "noeviction")
    redis.config_set("maxmemory", 1)

    response = change(client, scene, "password")

    detail = assert_problem(response, 503, "service_unavailable").get("detail", "")
    assert "saved" not in detail
    redis.config_set("maxmemory", 0)
    for worker in (client, other_worker):  # nothing changed: every session still works
        assert accepted(victim_result(worker, scene, "password"))
    login = {"email": scene.victim_email, "password": PASSWORD}
    assert other_worker.post("/auth/login", json=login).status_code == 200


def test_a_redis_that_refuses_writes_is_not_ready_and_never_a_500(client, other_worker, redis):
    login = {"email": "nobody@example.com", "password": "whatever123"}
    assert client.get("/readyz").status_code == 200
    redis.config_set("maxmemory-policy", "noeviction")
    redis.config_set("maxmemory", 1)
    assert "redis" in assert_problem(client.get("/readyz"), 503, "service_unavailable")["detail"]
    assert_problem(other_worker.post("/auth/login", json=login), 503, "service_unavailable")
    redis.config_set("maxmemory", 0)
    assert client.get("/readyz").status_code == 200
    assert_problem(other_worker.post("/auth/login", json=login), 401, "invalid_credentials")


@pytest.mark.parametrize("how", [how for how in CHANGES if how != "password"])
def test_with_redis_a_read_only_replica_a_change_is_refused_everywhere_at_once(
    how, client, other_worker, scene, redis
):
    """A replica refuses DEL too, so the entries stay; but no worker may read them now."""
    warm(scene, how, client, other_worker)
    redis.execute_command("REPLICAOF", "127.0.0.1", str(backends.CLOSED_PORT))
    try:
        assert_says_saved_within(change(client, scene, how), LONG_TTL)
        for worker in (other_worker, client):
            assert not accepted(victim_result(worker, scene, how))
    finally:
        redis.execute_command("REPLICAOF", "NO", "ONE")


def test_a_read_only_replica_is_not_ready_and_never_a_500(client, other_worker, redis):
    login = {"email": "nobody@example.com", "password": "whatever123"}
    redis.execute_command("REPLICAOF", "127.0.0.1", str(backends.CLOSED_PORT))
    try:
        ready = client.get("/readyz")
        assert "redis" in assert_problem(ready, 503, "service_unavailable")["detail"]
        assert_problem(other_worker.post("/auth/login", json=login), 503, "service_unavailable")
    finally:
        redis.execute_command("REPLICAOF", "NO", "ONE")
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("how", CHANGES)
def test_repeating_a_change_on_a_worker_that_reaches_redis_repairs_it_at_once(
    how, client, other_worker, scene, proxy
):
    warm(scene, how, other_worker)
    proxy.stop()  # `app` is cut off from Redis, and stays so: no background retry lands

    assert_says_saved_within(change(client, scene, how), LONG_TTL)
    assert accepted(victim_result(other_worker, scene, how))  # the accepted window, for now

    repeated = change(other_worker, scene, how)
    assert repeated.status_code in (200, 204), repeated.get_json()
    for worker in (other_worker, other_worker, client):  # twice: a refill must not revive it
        assert not accepted(victim_result(worker, scene, how))


@pytest.mark.parametrize("how", ["logout", "demote"])
def test_the_cut_off_worker_retries_in_the_background_once_redis_answers(
    how, client, other_worker, scene, proxy
):
    warm(scene, how, other_worker)
    proxy.stop()
    assert_says_saved_within(change(client, scene, how), LONG_TTL)
    assert accepted(victim_result(other_worker, scene, how))

    proxy.start()
    deadline = time.monotonic() + 5  # many retry intervals, still far less than the TTL
    while accepted(victim_result(other_worker, scene, how)):
        assert time.monotonic() < deadline, "the invalidation was not retried"
        time.sleep(0.05)


@pytest.mark.parametrize("ttl", [1])
@pytest.mark.parametrize("how", CHANGES)
def test_a_worker_cut_off_for_good_leaves_a_window_of_one_ttl_at_most(
    how, ttl, client, other_worker, scene, proxy
):
    warm(scene, how, other_worker)
    proxy.stop()

    assert_says_saved_within(change(client, scene, how), ttl)
    answered = time.monotonic()
    while True:
        # The bound is on when a request starts: one that read a still-valid entry just before
        # it expired may finish later, on a busy machine well after it.
        started = time.monotonic()
        if not accepted(victim_result(other_worker, scene, how)):
            break
        assert started - answered <= ttl, "accepted a request started after SESSION_CACHE_TTL"
        time.sleep(0.05)
    assert not accepted(victim_result(other_worker, scene, how))


AUDITED_AS = {
    "logout": "logout",
    "logout-all": "logout_all",
    "password": "password_changed",
    "deactivate": "user_deactivated",
    "demote": "role_changed",
}


@pytest.mark.parametrize("how", CHANGES)
def test_a_change_answered_503_is_still_audited(how, client, scene, proxy, caplog):
    """The 503 says the change is saved: the audit trail must show it too."""
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    proxy.stop()
    assert_says_saved_within(change(client, scene, how), LONG_TTL)
    events = [getattr(record, "audit", {}).get("event") for record in caplog.records]
    assert events.count(AUDITED_AS[how]) == 1


def test_the_window_is_ten_seconds_by_default(monkeypatch):
    """The figure docs/scaling.md and the 503 detail promise, when nothing is configured."""
    from config import load_config

    monkeypatch.delenv("SESSION_CACHE_TTL", raising=False)
    assert load_config("testing").SESSION_CACHE_TTL == 10
