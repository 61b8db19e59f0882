"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory.

Every value can be changed through the environment (docs/deploy.md lists them). Behind a
proxy, also set TRUSTED_PROXIES so the app (and its rate limits) see the real client address.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os

from gunicorn import glogging

bind = [os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request slower than this is stuck (the database and Redis time out far sooner): restart it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, finish the requests in flight for up to this long before stopping.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Each worker builds its own app, engine pool and Redis client after the fork: no shared sockets.
preload_app = False
# Recycle a worker after this many requests, so a slow leak could never take a host down.
# Off by default: a worker restart stalls its requests for half a second (importing the
# app), which at 2000 requests made make bench's p99 near a second; no leak is known.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# A header line over 8190 bytes gets gunicorn's own 431 (see docs/deploy.md).
limit_request_line = 8190
limit_request_field_size = 8190

# gunicorn's runtime control socket is off unless asked for: one fixed path per user would
# collide between several gunicorns on one host.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


class JsonLogger(glogging.Logger):
    """gunicorn's own lines as JSON, like the app's; the access log with the request id.

    Only the path is logged, never the query string or any header but the user agent.
    """

    def setup(self, cfg) -> None:  # noqa: ANN001
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonLineFormatter())

    def access(self, resp, req, environ, request_time) -> None:  # noqa: ANN001, ARG002
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        headers = {name.lower(): value for name, value in resp.headers}
        entry = {
            "ts": dt.datetime.now(dt.UTC).isoformat(),
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote": environ.get("REMOTE_ADDR", "-"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": headers.get("x-request-id", "-"),
            "user_agent": environ.get("HTTP_USER_AGENT", "-"),
        }
        self.access_log.info(json.dumps(entry))


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


_default_format = "json" if os.environ.get("APP_ENV") == "production" else "text"
if os.environ.get("LOG_FORMAT", _default_format) == "json":
    logger_class = JsonLogger
    access_log_format = "%(message)s"
else:
    access_log_format = "%(h)s %(m)s %(U)s %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s"
