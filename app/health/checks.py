"""Dependency checks for /readyz: each asks its service one cheap question."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, limiter

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
    """Redis (when configured) holds the rate limits: the limiter's storage must answer."""
    if limiter.storage.check():
        return True
    log.warning("readiness: redis check failed")
    return False


def unavailable_dependencies() -> list[str]:
    """Names of the dependencies that do not answer right now."""
    checks = {"database": database_answers}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = redis_answers
    return [name for name, answers in checks.items() if not answers()]
