"""The migrations build exactly the schema the models describe (SQLite, and PostgreSQL).

Upgrading runs in a subprocess, as on a deploy (`flask --app wsgi db upgrade`); Alembic's
logging setup would otherwise reconfigure this process's loggers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from app import create_app
from app.extensions import db
from tests import backends
from tests.conftest import TEST_SECRETS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    if backends.TEST_DATABASE_URL is None:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    url = backends.create_database(backends.TEST_DATABASE_URL)
    yield url
    backends.drop_database(backends.TEST_DATABASE_URL, url)


def test_autogenerate_finds_no_difference_after_upgrading(empty_database_url):
    environment = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": empty_database_url}
    upgrade = [Path(sys.executable).parent / "flask", "--app", "wsgi", "db", "upgrade"]
    subprocess.run(upgrade, cwd=ROOT, env=environment, check=True, capture_output=True, timeout=60)

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, **TEST_SECRETS})
    engine = create_engine(empty_database_url)
    try:
        with app.app_context(), engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
        with app.app_context():
            db.engine.dispose()
    assert differences == []
