"""Start-up as an operator sees it: `flask --app wsgi ...` and `gunicorn wsgi:app`, for real.

A bad setting is one line on stderr naming the variable, its value and what is allowed, exit
code 1, no traceback, and gunicorn never binds its port. gunicorn reads `.env` like the app,
and refuses to run without APP_ENV. A `flask` command's stdout holds only its output.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import backends
from tests.support.paths import ROOT

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
GUNICORN = [sys.executable, "-m", "gunicorn", "wsgi:app"]
# Every variable the app or gunicorn reads, so a developer's .env cannot change the outcome.
APP_VARIABLES = (
    "APP_ENV SECRET_KEY JWT_SECRET_KEY JWT_PREVIOUS_SECRET_KEYS DATABASE_URL REDIS_URL "
    "REDIS_KEY_PREFIX JWT_ACCESS_TOKEN_EXPIRES JWT_REFRESH_TOKEN_EXPIRES JWT_LEEWAY "
    "LOGIN_RATE_LIMIT REGISTER_RATE_LIMIT TRUSTED_PROXIES MAX_CONTENT_LENGTH CORS_ORIGINS "
    "LOG_FORMAT LOG_LEVEL GUNICORN_BIND PORT WEB_CONCURRENCY GUNICORN_CONTROL_SOCKET MAIL_URL "
    "JWT_ALGORITHM JWT_PRIVATE_KEY_FILES JWT_ISSUER JWT_AUDIENCE JWKS_MAX_AGE"
).split()


def production_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in APP_VARIABLES}
    return env | {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}",
        "MAIL_URL": "disabled",
        **settings,
    }


def run(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def assert_one_line_refusal(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0]
    assert "Listening at" not in result.stdout + result.stderr  # gunicorn never bound


BAD_SETTINGS = [
    ("LOGIN_RATE_LIMIT", "lots"),
    ("JWT_ACCESS_TOKEN_EXPIRES", "-5"),
    ("TRUSTED_PROXIES", "12"),
    ("REDIS_URL", "http://cache"),
    ("DATABASE_URL", "mysql://db/wardrobe"),
    ("CORS_ORIGINS", "*"),
    ("JWT_PREVIOUS_SECRET_KEYS", "x"),
    ("JWT_ALGORITHM", "RS256"),
    ("JWT_AUDIENCE", "wardrobe:mfa"),
]


@pytest.mark.parametrize(("name", "value"), BAD_SETTINGS)
def test_flask_commands_refuse_a_bad_setting_in_one_line(tmp_path, name, value):
    result = run([*FLASK, "routes-by-role"], production_env(tmp_path, **{name: value}))
    assert_one_line_refusal(result, name)
    if name != "JWT_PREVIOUS_SECRET_KEYS":  # a key is named, never shown
        assert f"{name}={value!r}" in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "value"),
    [*BAD_SETTINGS[:3], ("SECRET_KEY", "dev-only-secret-key-do-not-use-in-production")],
)
def test_gunicorn_refuses_a_bad_setting_before_binding(tmp_path, name, value):
    port = backends.free_port()
    env = production_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", **{name: value})
    assert_one_line_refusal(run(GUNICORN, env), name)


@pytest.mark.slow
def test_gunicorn_refuses_a_missing_signing_key_file_before_binding(tmp_path):
    missing = tmp_path / "gone.pem"
    env = production_env(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{backends.free_port()}",
        JWT_ALGORITHM="EdDSA",
        JWT_PRIVATE_KEY_FILES=str(missing),
    )
    assert_one_line_refusal(run(GUNICORN, env), "JWT_PRIVATE_KEY_FILES", str(missing))


@pytest.mark.slow
def test_gunicorn_refuses_to_start_without_app_env(tmp_path):
    env = production_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{backends.free_port()}")
    del env["APP_ENV"]
    assert_one_line_refusal(run(GUNICORN, env), "APP_ENV is not set")


def test_flask_stdout_is_only_the_command_output(tmp_path):
    """`make docs` writes stdout into docs/roles.md: no log line may land there."""
    env = production_env(tmp_path, LOG_LEVEL="DEBUG", LOG_FORMAT="text")
    result = run([*FLASK, "routes-by-role"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")


def copy_of_the_project(tmp_path: Path) -> Path:
    """The project as deployed, in a folder of its own, so a test may write its `.env`."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("app", "migrations"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("wsgi.py", "config.py", "secret_keys.py", "logging_config.py", "gunicorn.conf.py"):
        shutil.copy(ROOT / name, project / name)
    return project


def worker_count(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return len(children)


@pytest.mark.slow
def test_gunicorn_reads_the_dot_env_file_like_the_app(tmp_path):
    project = copy_of_the_project(tmp_path)
    port = backends.free_port()
    dot_env = production_env(
        tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="3", LOG_LEVEL="INFO"
    )
    (project / ".env").write_text(
        "".join(f"{name}={dot_env[name]}\n" for name in APP_VARIABLES if name in dot_env)
    )
    env = {name: value for name, value in os.environ.items() if name not in APP_VARIABLES}
    assert run([*FLASK, "db", "upgrade"], env, cwd=project).returncode == 0
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(GUNICORN, cwd=project, env=env, stdout=log, stderr=log)
    try:
        backends.wait_for_port(port, timeout=20)
        deadline = time.monotonic() + 10
        while worker_count(server.pid) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker_count(server.pid) == 3
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "rid-dotenv-1"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - ours
            assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line JSON: APP_ENV came from .env
    assert {"gunicorn.error", "gunicorn.access"} <= {entry["logger"] for entry in entries}
    access = [entry for entry in entries if entry["logger"] == "gunicorn.access"]
    assert access[0]["request_id"] == "rid-dotenv-1" and access[0]["status"] == 200
