"""Column types shared by every model, `utcnow`, `read` (the one Core door for hot reads), and
`rows_matched` for bulk writes."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from flask import Flask, current_app, g
from sqlalchemy import CursorResult, DateTime, Executable, Result
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from app.extensions import db

READ_ENGINE = "wardrobe.read_engine"


def read(statement: Executable, parameters: dict[str, Any] | None = None) -> Result:
    """Run a SELECT of plain columns on the request's read connection (SQLAlchemy Core).

    The one door for hot reads (checking a token, a list page, GET /auth/me): they select
    columns, not objects, and never write. Fast path [core-reads]: see docs/performance.md.
    Through `db.session` each such statement would pay the ORM's execution layer and the
    session's begin and close. Writes, and reads that feed them, keep using `db.session`,
    which owns the transaction.

    The connection is checked out on the first read of a request and returned when the app
    context ends (`release_read_connection`): one checkout, and on PostgreSQL one pre-ping,
    for all of the request's reads.
    """
    connection: Connection | None = g.get("read_connection")
    if connection is None:
        connection = g.read_connection = current_app.extensions[READ_ENGINE].connect()
    return connection.execute(statement, parameters)


def rows_matched(statement: Executable, parameters: dict[str, Any] | None = None) -> int:
    """Run a bulk UPDATE or DELETE in db.session's transaction; how many rows it matched.

    SQLAlchemy answers such a statement with a CursorResult, which has the count, but types
    `Session.execute` as returning any Result, which has not.
    """
    result = cast(CursorResult[Any], db.session.execute(statement, parameters))
    return result.rowcount


def release_read_connection(_error: BaseException | None = None) -> None:
    """Return the request's read connection to the pool."""
    connection: Connection | None = g.pop("read_connection", None)
    if connection is not None:
        connection.close()


def init_app(app: Flask) -> None:
    """Build the read engine once (after `db.init_app`) and return read connections at teardown.

    Fast path [autocommit-reads]: see docs/performance.md. On PostgreSQL reads run in
    autocommit mode: a transaction would add two round trips (BEGIN before the first read,
    ROLLBACK when the connection goes back) to the two a read request needs. The read engine
    shares the app engine's pool. SQLite begins no transaction for a SELECT, and switching its
    isolation level would cost a PRAGMA each way, so there it is the app engine itself.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    app.extensions[READ_ENGINE] = engine
    app.teardown_appcontext(release_read_connection)


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
        UTC. Fast path [sqlite-timestamps]: see docs/performance.md. Parsing it and then
        tagging it UTC (process_result_value) goes through two Python layers per value, and a
        list page reads 42 of them.
        """
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_sqlite(value: str | None) -> dt.datetime | None:
            return None if value is None else dt.datetime.fromisoformat(value + "+00:00")

        return from_sqlite
