"""Two app instances on one PostgreSQL and one Redis, behind nginx: one truth, whoever answers.

The deployment of docs/scaling.md, for real: two gunicorn processes (one worker each, production
settings, the same secrets), a database made for this module and dropped after it, one Redis
key prefix, and nginx round-robin in front with TRUSTED_PROXIES=1. Every test acts through one
instance and checks through the other, directly and through nginx. Each test is a client of
its own loopback address, so the per-address login limits of one never spend another's.

Run by `make test-scale` (CI runs it after `make test-pg`); it needs TEST_DATABASE_URL,
TEST_REDIS_URL and nginx (`make nginx`). Without them it skips, or fails with CI=true.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import backends
from tests.support.http import access_result, assert_dead, assert_problem, bearer, refresh
from tests.support.live_server import LiveServer, run_live_server
from tests.support.nginx import Nginx, nginx_binary, run_nginx
from tests.support.remote_client import RemoteClient

pytestmark = [pytest.mark.scale, pytest.mark.slow]

PASSWORD = "scale-out passphrase 42"
LOGINS_PER_ADDRESS = 4
FAILURES_PER_ACCOUNT = 3
_addresses = (f"127.0.0.{n}" for n in itertools.count(2))


@dataclass(frozen=True)
class Cluster:
    instances: tuple[LiveServer, LiveServer]
    proxy: Nginx
    settings: dict[str, str]  # what every instance of this deployment is started with
    folder: Path

    def clients(self, address: str) -> tuple[RemoteClient, RemoteClient, RemoteClient]:
        """Instance 1, instance 2 and nginx, as seen by one client at `address`."""
        one, two = (RemoteClient(server.url, address) for server in self.instances)
        return one, two, RemoteClient(self.proxy.url, address)

    @property
    def upstreams(self) -> set[str]:
        return {server.url.removeprefix("http://") for server in self.instances}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    database_url, redis_url = backends.TEST_DATABASE_URL, backends.TEST_REDIS_URL
    if database_url is None or redis_url is None:
        backends.unavailable("the scale-out test needs TEST_DATABASE_URL and TEST_REDIS_URL")
    if nginx_binary() is None:
        backends.unavailable("nginx is not installed: `make nginx` installs Debian's package")
    backends.check_redis(redis_url)
    url = backends.create_database(database_url)
    prefix = f"wardrobe_scale_{backends.RUN_ID}:"
    shared = {  # one deployment: the same secrets, database, Redis and limits on both
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "TRUSTED_PROXIES": "1",
        "LOGIN_RATE_LIMIT": f"{LOGINS_PER_ADDRESS} per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": f"{FAILURES_PER_ACCOUNT} per minute",
    }
    folder = tmp_path_factory.mktemp("scale")
    try:
        with ExitStack() as stack:
            one = stack.enter_context(run_live_server(folder / "one", workers=1, **shared))
            two = stack.enter_context(run_live_server(folder / "two", workers=1, **shared))
            upstreams = [server.url.removeprefix("http://") for server in (one, two)]
            proxy = stack.enter_context(run_nginx(upstreams, folder / "nginx"))
            yield Cluster((one, two), proxy, shared, folder)
    finally:
        backends.delete_keys(redis_url, prefix)
        backends.drop_database(database_url, url)


def new_address() -> str:
    return next(_addresses)


def register(client: RemoteClient) -> str:
    email = f"scale-{secrets.token_hex(4)}@example.com"
    response = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    return email


def login(client: RemoteClient, email: str, password: str = PASSWORD, **kwargs) -> dict:
    response = client.post("/auth/login", json={"email": email, "password": password}, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def through_nginx(cluster: Cluster, proxy: RemoteClient, token: str) -> set[int | str]:
    """GET /auth/me through nginx until both instances answered: every 200 or code seen."""
    upstreams, results = set(), set()
    for _ in range(4):
        response = proxy.get("/auth/me", headers=bearer(token))
        upstreams.add(response.headers["X-Upstream"])
        results.add(200 if response.status_code == 200 else response.get_json()["code"])
    assert upstreams == cluster.upstreams  # round robin reached both
    return results


def test_nginx_takes_turns_and_passes_only_the_address_it_saw(cluster):
    address = new_address()
    one, _, proxy = cluster.clients(address)
    upstreams = {proxy.get("/healthz").headers["X-Upstream"] for _ in range(4)}
    assert upstreams == cluster.upstreams
    # A client's own X-Forwarded-For is overwritten by nginx: the app records the real address.
    tokens = login(proxy, register(one), headers={"X-Forwarded-For": "203.0.113.9"})
    sessions = proxy.get("/auth/sessions", headers=bearer(tokens["access_token"])).get_json()
    assert [session["ip"] for session in sessions["items"]] == [address]


def test_nginx_answers_what_it_refuses_as_problems_before_gunicorn_would(cluster):
    """gunicorn's own answer to an over-long header line is a plain 431 (documented); nginx
    in front refuses it first, and a body over the limit, as problem+json."""
    one, _, proxy = cluster.clients(new_address())
    huge = {"X-Big": "a" * 9000}
    assert one.get("/healthz", headers=huge).status_code == 431  # gunicorn, straight
    assert_problem(proxy.get("/healthz", headers=huge), 400, "malformed_json")
    body = {"email": "big@example.com", "password": "p" * 70_000}
    assert_problem(proxy.post("/auth/register", json=body), 413, "payload_too_large")


def test_a_logout_through_one_instance_is_refused_at_once_through_every_path(cluster):
    one, two, proxy = cluster.clients(new_address())
    tokens = login(one, register(one))
    access = tokens["access_token"]
    # Warm the session cache in Redis on both instances first: "at once" must beat the cache.
    assert access_result(one, access) == access_result(two, access) == 200
    assert through_nginx(cluster, proxy, access) == {200}

    assert two.post("/auth/logout", headers=bearer(access)).status_code == 204

    assert access_result(one, access) == access_result(two, access) == "token_revoked"
    assert through_nginx(cluster, proxy, access) == {"token_revoked"}
    for client in (one, two):
        assert_problem(refresh(client, tokens["refresh_token"]), 401, "token_revoked")


def test_a_refresh_replayed_on_the_other_instance_is_reuse_and_ends_the_session(cluster):
    one, two, proxy = cluster.clients(new_address())
    first = login(two, register(one))
    rotated = refresh(one, first["refresh_token"])
    assert rotated.status_code == 200, rotated.get_data(as_text=True)
    newest = rotated.get_json()
    # Cached live on both before the replay: the instance that did not see it must not trust that.
    assert access_result(one, newest["access_token"]) == 200
    assert access_result(two, newest["access_token"]) == 200

    assert_problem(refresh(two, first["refresh_token"]), 401, "refresh_reused")

    for client in (one, two):  # every token of the session, on both instances
        assert_dead(client, newest)
        assert access_result(client, first["access_token"]) == "token_revoked"
    assert through_nginx(cluster, proxy, newest["access_token"]) == {"token_revoked"}


def test_the_login_limit_per_address_is_one_count_across_instances(cluster):
    address = new_address()
    one, two, proxy = cluster.clients(address)
    email = register(one)
    for n in range(LOGINS_PER_ADDRESS):  # alternating: each instance sees only half of them
        client = (one, two)[n % 2]
        wrong = {"email": f"nobody-{n}-{email}", "password": PASSWORD}
        assert_problem(client.post("/auth/login", json=wrong), 401, "invalid_credentials")
    right = {"email": email, "password": PASSWORD}
    for client in (one, two, proxy):
        response = client.post("/auth/login", json=right)
        assert_problem(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) > 0
    # Through nginx a forged X-Forwarded-For does not make a new client; another address does.
    forged = {"X-Forwarded-For": "198.51.100.7"}
    assert_problem(proxy.post("/auth/login", json=right, headers=forged), 429, "rate_limited")
    _, _, elsewhere = cluster.clients(new_address())
    login(elsewhere, email)


def test_the_failure_budget_of_an_account_is_one_count_across_instances(cluster):
    one, _, _ = cluster.clients(new_address())
    email = register(one)
    wrong = {"email": email, "password": "not the passphrase"}
    for n in range(FAILURES_PER_ACCOUNT):  # each failure from a new address, alternating
        client = cluster.clients(new_address())[n % 2]
        assert_problem(client.post("/auth/login", json=wrong), 401, "invalid_credentials")
    # Spent: even the right password from an address the account never used answers 429.
    right = {"email": email, "password": PASSWORD}
    for index in (0, 1, 2):  # instance 1, instance 2, nginx
        client = cluster.clients(new_address())[index]
        assert_problem(client.post("/auth/login", json=right), 429, "rate_limited")


def test_the_instances_share_the_deployment(cluster):
    """Both answer ready on the same database and Redis: a sanity check for the others."""
    for server in cluster.instances:
        response = RemoteClient(server.url).get("/readyz")
        assert response.status_code == 200, response.get_data(as_text=True)


def test_an_instance_that_stops_takes_no_session_with_it(cluster):
    """A third instance joins behind a second nginx, serves a login, then stops: nginx sends
    its clients to the instance left, where the same tokens work and the same logout ends them."""
    one = cluster.instances[0]
    with run_live_server(cluster.folder / "three", workers=1, **cluster.settings) as three:
        hosts = [server.url.removeprefix("http://") for server in (one, three)]
        with run_nginx(hosts, cluster.folder / "nginx-failover") as proxy:
            address = new_address()
            client = RemoteClient(proxy.url, address)
            direct = RemoteClient(three.url, address)
            tokens = login(direct, register(direct))  # the session is opened on three
            served = {client.get("/healthz").headers["X-Upstream"] for _ in range(4)}
            assert served == set(hosts)  # both take turns while three is up
            three.stop()
            for _ in range(4):  # nginx finds three gone and retries on one: no client sees it
                response = client.get("/auth/me", headers=bearer(tokens["access_token"]))
                assert response.status_code == 200, response.get_data(as_text=True)
                assert response.headers["X-Upstream"].endswith(hosts[0])
            rotated = refresh(client, tokens["refresh_token"])
            assert rotated.status_code == 200, rotated.get_data(as_text=True)
            logout = client.post("/auth/logout", headers=bearer(rotated.get_json()["access_token"]))
            assert logout.status_code == 204
            assert_dead(client, rotated.get_json())
