"""Dependency checks for /readyz: each asks its service one cheap question."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import redis_store
from app.extensions import db

log = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as error:
        log.warning("readiness: database check failed: %s", type(error).__name__)
        db.session.rollback()
        return False


def redis_answers() -> bool:
    """Whether Redis takes a write: a Redis that answers reads but refuses writes (out of
    memory under noeviction, a read-only replica) cannot record a revocation, so the app
    is not ready behind it."""
    client = redis_store.client()
    try:
        return bool(client.set(redis_store.key("readyz"), "1", ex=10)) if client else True
    except redis_store.failures() as error:
        log.warning("readiness: redis check failed: %s", type(error).__name__)
        return False


def unavailable_dependencies() -> list[str]:
    """Names of the dependencies that do not answer right now (Redis only when configured)."""
    checks: dict[str, Callable[[], bool]] = {"database": database_answers}
    if redis_store.client() is not None:
        checks["redis"] = redis_answers
    return [name for name, answers in checks.items() if not answers()]
