"""The deploy steps of docs/deploy.md, for real: migrate an empty database, serve with gunicorn.

Production settings, two workers, one trusted proxy, JSON logs on stderr, graceful stop.
On PostgreSQL when TEST_DATABASE_URL is set (a fresh, empty database), else SQLite.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import backends
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PASSWORD = "gunicorn test passphrase"
WRONG = {"email": "deploy@example.com", "password": "not the passphrase"}


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    if backends.TEST_DATABASE_URL is None:
        yield f"sqlite:///{tmp_path / 'deploy.db'}"
        return
    url = backends.create_database(backends.TEST_DATABASE_URL)
    yield url
    backends.drop_database(backends.TEST_DATABASE_URL, url)


@pytest.fixture
def environment(database_url, tmp_path) -> dict[str, str]:
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "TRUSTED_PROXIES": "1",
        "MAIL_URL": "disabled",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{backends.free_port()}",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
        "LOGIN_RATE_LIMIT": "4 per minute",
    }
    if backends.TEST_REDIS_URL:
        env |= {"REDIS_URL": backends.TEST_REDIS_URL, "REDIS_KEY_PREFIX": f"{tmp_path.name}:"}
    return env


def test_migrate_then_serve_with_gunicorn(environment, tmp_path):
    for _ in range(2):  # the second upgrade is a no-op
        subprocess.run(
            [BIN / "flask", "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
            timeout=60,
        )
    log_file = (tmp_path / "stdout").open("w+")
    server = subprocess.Popen(
        [BIN / "gunicorn", "wsgi:app"],
        cwd=ROOT,
        env=environment,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://{environment['GUNICORN_BIND']}"
        backends.wait_for_port(int(environment["GUNICORN_BIND"].rsplit(":", 1)[1]), timeout=20)
        tokens = exercise(base)
        if backends.TEST_REDIS_URL:  # one count for all workers (without Redis, one each)
            statuses = [call("POST", f"{base}/auth/login", WRONG).status for _ in range(5)]
            assert statuses == [401, 401, 401, 401, 429]
        too_long = call("GET", f"{base}/healthz", headers={"X-Big": "a" * 9000})
        assert too_long.status == 431  # gunicorn's own answer, documented
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        if backends.TEST_REDIS_URL:
            backends.delete_keys(backends.TEST_REDIS_URL, environment["REDIS_KEY_PREFIX"])
    log_file.seek(0)
    lines = [line for line in log_file.read().splitlines() if line.strip()]
    log_file.close()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"login_succeeded", "logout"} <= {entry.get("event") for entry in entries}
    access = [entry for entry in entries if entry.get("logger") == "gunicorn.access"]
    assert all(len(entry["request_id"]) >= 8 for entry in access)
    assert "req-from-edge-1" in {entry["request_id"] for entry in access}
    for secret in [PASSWORD, *tokens]:
        assert not [line for line in lines if secret in line]


def call(method: str, url: str, body: dict | None = None, headers: dict | None = None):
    """One HTTP request with the standard library; 4xx and 5xx are returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        response = urllib.request.urlopen(request, timeout=5)  # noqa: S310 - our own server
    except urllib.error.HTTPError as error:
        response = error
    with response:
        response.payload = response.read()
    return response


def exercise(base: str) -> list[str]:
    """Register, log in through a proxy, check the client address, log out."""
    assert call("GET", f"{base}/readyz").status == 200
    body = {"email": "deploy@example.com", "password": PASSWORD}
    assert call("POST", f"{base}/auth/register", body).status == 201
    proxied = {"X-Forwarded-For": "203.0.113.9", "X-Request-ID": "req-from-edge-1"}
    login = call("POST", f"{base}/auth/login", body, proxied)
    assert login.status == 200 and login.headers["X-Request-ID"] == "req-from-edge-1"
    tokens = json.loads(login.payload)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    sessions = json.loads(call("GET", f"{base}/auth/sessions", headers=auth).payload)["items"]
    assert sessions[0]["ip"] == "203.0.113.9"
    assert call("POST", f"{base}/auth/logout", headers=auth).status == 204
    assert call("GET", f"{base}/auth/me", headers=auth).status == 401
    return [tokens["access_token"], tokens["refresh_token"]]
