"""Column types shared by every model, and the read connection for plain SELECTs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, g
from sqlalchemy import DateTime, Executable, Result
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from app.extensions import db


def read(statement: Executable, parameters: dict[str, Any] | None = None) -> Result:
    """Run a SELECT of plain columns on the request's read connection (SQLAlchemy Core).

    The hot reads (checking a token, a list page, GET /auth/me) need no unit of work:
    they select columns, not objects, and never write. Through `db.session` each such
    statement pays the ORM's execution layer and the session's begin and close, about
    118 µs on SQLite against 38 µs on a Core connection (docs/performance.md). Writes, and
    reads that feed them, keep using `db.session`, which owns the transaction.

    The connection is checked out on the first read of a request and returned when the app
    context ends (`release_read_connection`): one checkout, and on PostgreSQL one pre-ping,
    for all of the request's reads. On PostgreSQL it reads in autocommit mode: a transaction
    would add two round trips (BEGIN before the first read, ROLLBACK when the connection goes
    back) to the two a read request needs. SQLite begins no transaction for a SELECT, and
    switching its isolation level would cost a PRAGMA each way.
    """
    connection: Connection | None = g.get("read_connection")
    if connection is None:
        connection = g.read_connection = db.engine.connect()
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection.execute(statement, parameters)


def release_read_connection(_error: BaseException | None = None) -> None:
    """Return the request's read connection to the pool."""
    connection: Connection | None = g.pop("read_connection", None)
    if connection is not None:
        connection.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(release_read_connection)


LIKE_ESCAPE = "/"


def like_escaped(text: str) -> str:
    """`text` for `LIKE ... ESCAPE '/'`: its `%`, `_` and `/` match only themselves.

    SQLAlchemy's `autoescape=True` does this for a literal value; a statement built once
    with a bound parameter (pagination.Listing) escapes the value itself.
    """
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC. Call it per row; never evaluate at import."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps the zone (`timestamptz`); SQLite keeps none, so values are normalised
    to UTC on the way in and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use app.database.utcnow()")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: dt.datetime | None,
        dialect: Any,  # noqa: ARG002 - part of the TypeDecorator interface
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """On SQLite, read the stored text straight into an aware datetime, in one C call.

        SQLite hands back the text SQLAlchemy wrote, e.g. `2026-11-29 04:05:06.123456`, in
        UTC. Parsing it and then tagging it UTC (process_result_value) took about 1.5 µs per
        value through two Python layers; a list page reads 42 of them.
        """
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_sqlite(value: str | None) -> dt.datetime | None:
            return None if value is None else dt.datetime.fromisoformat(value + "+00:00")

        return from_sqlite
