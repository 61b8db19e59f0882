"""The production server for real: gunicorn in a subprocess, spoken to over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 15

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    """(status, headers, parsed body) of one HTTP request; errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("gunicorn")
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
        "JWT_SECRET_KEY": "gunicorn-test-jwt-secret-key-0123456789abcdef",
        "DATABASE_URL": f"sqlite:///{workdir / 'prod.db'}",
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(workdir / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                assert process.poll() is None, (workdir / "gunicorn.log").read_text()
                try:
                    if call(base, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "gunicorn did not answer /healthz in time"
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_register_login_me_over_http(server):
    credentials = {"email": "Http@Example.com", "password": "a long passphrase"}
    status, _, user = call(server, "POST", "/auth/register", credentials)
    assert status == 201 and user["email"] == "http@example.com"

    status, headers, tokens = call(server, "POST", "/auth/login", credentials)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"

    status, _, me = call(server, "GET", "/auth/me", token=tokens["access_token"])
    assert (status, me["id"], me["role"]) == (200, user["id"], "user")

    status, _, fresh = call(server, "POST", "/auth/refresh", token=tokens["refresh_token"])
    assert status == 200
    assert call(server, "POST", "/auth/logout", token=fresh["access_token"])[0] == 204
    status, headers, problem = call(server, "GET", "/auth/me", token=fresh["access_token"])
    assert (status, problem["code"]) == (401, "token_revoked")
    assert headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_errors_are_problems_over_http(server):
    status, headers, problem = call(server, "GET", "/no/such/route")
    assert (status, problem["code"]) == (404, "not_found")
    assert headers["Content-Type"] == "application/problem+json"
    status, headers, problem = call(server, "GET", "/auth/me")
    assert (status, problem["code"]) == (401, "token_missing")
    assert headers["WWW-Authenticate"] == "Bearer"
    assert call(server, "GET", "/readyz")[0] == 200
