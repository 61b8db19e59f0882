"""Logs: one JSON object per line in production, each with the request's id.

Every request gets an id: the client's (or the proxy's) `X-Request-ID` when it is a sane
token, else a fresh one; it is returned on every response and put on every log line written
while the request runs, so one request can be followed through proxy, app and database logs.

Nothing here ever logs a header, a body or a token: audit events (app/audit.py) carry ids and
reasons only. The formats themselves are logging_config.py's, shared with gunicorn.conf.py;
this module adds the current request's id to them.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

import logging_config
from logging_config import HANDLER_NAME, TEXT_FORMAT

__all__ = ["HANDLER_NAME", "TEXT_FORMAT", "JsonFormatter", "TextFormatter", "configure_logging"]

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContextFilter(logging.Filter):
    """Adds `request_id` (or "-" outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        if not hasattr(record, "fields"):
            record.fields = ""
        return True


class JsonFormatter(logging_config.JsonFormatter):
    """logging_config's JSON lines, with the id of the request being served."""

    def request_id(self, record: logging.LogRecord) -> str:
        return getattr(record, "request_id", None) or current_request_id()


class TextFormatter(logging_config.TextFormatter):
    """logging_config's text lines, with the id of the request being served."""

    def request_id(self, record: logging.LogRecord) -> str:
        return getattr(record, "request_id", None) or current_request_id()


def current_request_id() -> str:
    return g.get("request_id", "-") if has_request_context() else "-"


def init_app(app: Flask) -> None:
    """Request ids always; log handlers only outside tests (pytest captures records itself)."""
    if not app.testing:
        configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    @app.before_request
    def take_request_id() -> None:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex

    @app.after_request
    def return_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id") or uuid.uuid4().hex
        return response


def configure_logging(log_format: str, level: str) -> None:
    """Put one handler on the root logger, writing to stderr (replacing our earlier one).

    stderr, never stdout: a `flask` command's stdout is its output (docs/roles.md is one).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    formatter = JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT)
    handler = logging_config.stderr_handler(formatter)
    handler.addFilter(RequestContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
