"""The one log format of the app and gunicorn: JSON lines (production) or text, on stderr.

gunicorn.conf.py uses it in the master, before any worker imports the app, so it imports
nothing of Flask or the app. Every line goes to stderr: a `flask` command's stdout carries
only what the command prints (`make docs` writes it into docs/roles.md), and under gunicorn
the app's, gunicorn's and the access log's lines are all on one stream.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

HANDLER_NAME = "wardrobe"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s%(fields)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": self.request_id(record),
        }
        entry.update(getattr(record, "audit", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)

    def request_id(self, record: logging.LogRecord) -> str:
        """The record's request id; the app's subclass also looks at the current request."""
        return getattr(record, "request_id", None) or "-"


class TextFormatter(logging.Formatter):
    """For people at a terminal: the same facts on one readable line."""

    def format(self, record: logging.LogRecord) -> str:
        audit = getattr(record, "audit", None) or {}
        record.fields = "".join(f" {key}={value}" for key, value in audit.items())
        if not hasattr(record, "request_id"):
            record.request_id = self.request_id(record)
        return super().format(record)

    def request_id(self, record: logging.LogRecord) -> str:
        return getattr(record, "request_id", None) or "-"


def stderr_handler(formatter: logging.Formatter, name: str = HANDLER_NAME) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(name)
    handler.setFormatter(formatter)
    return handler
