"""A real Wardrobe API for tests that talk HTTP: migrated SQLite, `gunicorn wsgi:app`.

The examples and the browser check must prove what a user would see, so they run against
the production server in production mode (strong random secrets, argon2 at full cost),
not against Flask's test client. Every server is stopped when its `with` block ends, even
when the test fails, and its log is kept next to its database for the failure message.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.paths import ROOT
from tests.support.settings import GENEROUS_LIMITS

STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 10.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict, repr=False)  # the server's settings
    pid: int = 0  # gunicorn's master process
    process: subprocess.Popen | None = field(default=None, repr=False, compare=False)

    def stop(self) -> None:
        """Stop gunicorn now, before the `with` block ends (a test of an instance going away)."""
        if self.process is not None:
            _stop(self.process)

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `flask` command on this server's database (e.g. create-admin)."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    def log_tail(self, lines: int = 40) -> str:
        """The end of gunicorn's log, to explain a failure."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def run_live_server(workdir: Path, *, workers: int = 2, **env: str) -> Iterator[LiveServer]:
    """Migrate a fresh SQLite database in `workdir` and serve it with gunicorn on loopback.

    `env` overrides settings (e.g. JWT_ACCESS_TOKEN_EXPIRES="1"; a DATABASE_URL serves that
    database instead, migrated if needed, so two servers can share one).
    Raises RuntimeError: the migration failed, or the server did not answer /healthz in time.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    server_env = _server_env(workdir, env)
    migration = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=server_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if migration.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed:\n{migration.stderr}")
    port = _free_port()
    log_path = workdir / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--graceful-timeout",
        "2",
        # Its default control socket is one path per user: parallel servers would share it.
        "--no-control-socket",
        "wsgi:app",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # fixed command, our own interpreter
            command, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT
        )
        server = LiveServer(
            f"http://127.0.0.1:{port}", log_path, server_env, pid=process.pid, process=process
        )
        try:
            _wait_until_healthy(server, process)
            yield server
        finally:
            _stop(process)


def _server_env(workdir: Path, overrides: dict[str, str]) -> dict[str, str]:
    """Production settings with fresh secrets; nothing inherited that could change behaviour.

    Every variable the app reads is set here, so a developer's `.env` (which the app loads
    without overriding what is already set) cannot change what the tests see.
    """
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_PREVIOUS_SECRET_KEYS": "",
            "JWT_ALGORITHM": "",
            "JWT_PRIVATE_KEY_FILES": "",
            "JWT_ISSUER": "",
            "JWT_AUDIENCE": "",
            "JWKS_MAX_AGE": "",
            "DATABASE_URL": f"sqlite:///{workdir / 'wardrobe.db'}",
            "REDIS_URL": "",
            "MAIL_URL": "disabled",
            "JWT_ACCESS_TOKEN_EXPIRES": "900",
            "JWT_REFRESH_TOKEN_EXPIRES": "2592000",
            "JWT_LEEWAY": "0",
            "TRUSTED_PROXIES": "0",
            "MAX_CONTENT_LENGTH": "65536",
            "CORS_ORIGINS": "",
            # Production's defaults: admin-only routes need a session opened with a pin.
            "ADMIN_MFA_REQUIRED": "",
            "MFA_ISSUER": "",
            "MFA_ENCRYPTION_KEY": "",
            # Generous limits: tests share a server and must not trip over each other's logins.
            # A test about rate limiting starts its own server with a tight LOGIN_RATE_LIMIT.
            **GENEROUS_LIMITS,
            **overrides,
        }
    )
    return env


def _free_port() -> int:
    """A port the kernel just had free on loopback (gunicorn binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(server: LiveServer, process: subprocess.Popen) -> None:
    """Poll /healthz until it answers 200; fail fast if gunicorn exits, give up after a while."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with requests.get(f"{server.url}/healthz", timeout=2) as response:
                if response.status_code == 200:
                    return
        except requests.RequestException:
            pass  # not listening yet, or the workers are still importing the app
        time.sleep(0.1)
    raise RuntimeError(
        f"no answer on {server.url}/healthz in {STARTUP_TIMEOUT}s:\n{server.log_tail()}"
    )


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (gunicorn stops its workers gracefully), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
