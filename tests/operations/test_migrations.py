"""The migrations build exactly the schema the models describe (SQLite, and PostgreSQL).

Upgrading runs in a subprocess, as on a deploy (`flask --app wsgi db upgrade`); Alembic's
logging setup would otherwise reconfigure this process's loggers.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from tests.support import backends
from tests.support.paths import ROOT
from tests.support.settings import TEST_SECRETS

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def run_in_project(command: list[str], *, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_SECRETS, "APP_ENV": "testing", "DATABASE_URL": database_url}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def flask_cli(*args: str, database_url: str) -> subprocess.CompletedProcess:
    return run_in_project([*FLASK, *args], database_url=database_url)


@pytest.fixture(scope="module")
def migrated_url(tmp_path_factory) -> Iterator[str]:
    """An empty database (PostgreSQL when TEST_DATABASE_URL is set), migrated once."""
    if backends.TEST_DATABASE_URL is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'migrated.db'}"
    else:
        url = backends.create_database(backends.TEST_DATABASE_URL)
    first = flask_cli("db", "upgrade", database_url=url)
    assert first.returncode == 0, first.stderr
    yield url
    if backends.TEST_DATABASE_URL is not None:
        backends.drop_database(backends.TEST_DATABASE_URL, url)


def compare_with_models(url: str) -> list:
    # Creating an app imports every feature's models, so db.metadata holds all of them
    # whichever tests ran before.
    create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, **TEST_SECRETS})
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def test_upgrade_creates_the_schema(migrated_url):
    engine = create_engine(migrated_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"users", "auth_sessions", "alembic_version"} <= tables


def test_upgrade_again_is_a_no_op(migrated_url):
    again = flask_cli("db", "upgrade", database_url=migrated_url)
    assert again.returncode == 0, again.stderr
    assert "Running upgrade" not in again.stderr


def test_autogenerate_finds_no_difference_after_upgrading(migrated_url):
    assert compare_with_models(migrated_url) == []


def test_the_comparison_sees_a_missing_schema(tmp_path):
    """Control: the same comparison on an empty database reports every table as missing."""
    added = {
        diff[1].name
        for diff in compare_with_models(f"sqlite:///{tmp_path / 'empty.db'}")
        if diff[0] == "add_table"
    }
    assert {"users", "auth_sessions"} <= added


def test_session_ids_are_never_reused(migrated_url):
    """AUTOINCREMENT: SQLite must not hand a deleted session's id to a new one."""
    if not migrated_url.startswith("sqlite"):
        pytest.skip("PostgreSQL sequences never reuse ids; this guards SQLite only")
    engine = create_engine(migrated_url)
    try:
        with engine.connect() as connection:
            ddl = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'auth_sessions'"
            ).scalar_one()
    finally:
        engine.dispose()
    assert "AUTOINCREMENT" in ddl


def test_a_served_app_never_loads_flask_migrate(migrated_url):
    """Only the flask command registers `flask db` (which migrated_url just ran): a served
    app imports neither Flask-Migrate nor Alembic, 12 MB per gunicorn worker."""
    loaded = "import sys, wsgi; print(sorted({'alembic', 'flask_migrate'} & set(sys.modules)))"
    served = run_in_project([sys.executable, "-c", loaded], database_url=migrated_url)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "[]"


def test_an_attempt_used_before_0007_stays_used(tmp_path):
    """0007 moves "used" from mfa_challenges.used_at to the session's mfa_jti; an attempt
    used before it has no session naming it, so it is kept as dead; down again, the
    sessions' attempts are used ones once more."""
    if backends.TEST_DATABASE_URL is None:
        url = f"sqlite:///{tmp_path / 'upgraded.db'}"
    else:
        url = backends.create_database(backends.TEST_DATABASE_URL)
    engine = create_engine(url)
    try:
        assert flask_cli("db", "upgrade", "0006", database_url=url).returncode == 0
        when = {"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
        with engine.begin() as connection:
            connection.execute(text(USER_ROW), when)
            connection.execute(text(ATTEMPT_ROWS), when)
        assert flask_cli("db", "upgrade", database_url=url).returncode == 0
        with engine.begin() as connection:
            failures = "SELECT jti, failures FROM mfa_challenges ORDER BY jti"
            assert connection.execute(text(failures)).all() == [("unused", 2), ("used", 5)]
            connection.execute(text(SESSION_ROW), when)
        assert flask_cli("db", "downgrade", "0006", database_url=url).returncode == 0
        with engine.connect() as connection:
            used = "SELECT jti FROM mfa_challenges WHERE used_at IS NOT NULL"
            assert connection.execute(text(used)).scalars().all() == ["opened"]
    finally:
        engine.dispose()
        if backends.TEST_DATABASE_URL is not None:
            backends.drop_database(backends.TEST_DATABASE_URL, url)


USER_ROW = (
    "INSERT INTO users (email, name, role, is_active, email_verified, password_hash,"
    " created_at, updated_at, totp_enabled) VALUES ('ada@example.com', '', 'user', true,"
    " false, 'x', :at, :at, true)"
)
ATTEMPT_ROWS = (
    "INSERT INTO mfa_challenges (jti, user_id, expires_at, failures, used_at)"
    " VALUES ('used', 1, :at, 1, :at), ('unused', 1, :at, 2, NULL)"
)
SESSION_ROW = (
    "INSERT INTO auth_sessions (user_id, refresh_jti, created_at, expires_at, last_used_at,"
    " user_agent, ip, amr, mfa_jti) VALUES (1, 'r', :at, :at, :at, '', '', 'pwd otp', 'opened')"
)
