"""What the app did to its database: the statements it sent, the rows it left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, select

from app.extensions import db


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine sends inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def snapshot(app: Flask) -> dict[str, list[tuple]]:
    """Every row of users, auth_sessions and clothes, in id order: equal before and after
    a refused request means it changed nothing."""
    with app.app_context():
        tables = db.metadata.tables
        return {
            name: [tuple(row) for row in db.session.execute(select(tables[name]).order_by("id"))]
            for name in ("users", "auth_sessions", "clothes")
        }
