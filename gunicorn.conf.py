"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory.

It reads the same settings as the app (the environment and `.env`, through config.py) and
validates all of them here, in the master, before the port is bound: a bad setting, or no
APP_ENV at all, is one line on stderr and exit code 1, never a server running with a key
anyone could know. docs/deploy.md lists the variables. Behind a proxy, also set
TRUSTED_PROXIES so the app (and its rate limits) see the real client address.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from gunicorn import glogging

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allocator  # needs the project folder on sys.path
import logging_config  # same
from config import Config, ConfigError, load_config, server_settings  # same; reads .env


def _validated_settings() -> tuple[dict, Config]:
    """gunicorn's settings and the app's; exits with one line if any is refused."""
    if not os.environ.get("APP_ENV", "").strip():
        sys.stderr.write(
            "Error: APP_ENV is not set: gunicorn serves real traffic, so set APP_ENV=production "
            "(with SECRET_KEY and JWT_SECRET_KEY), or APP_ENV=development to try it locally\n"
        )
        sys.exit(1)
    try:
        return server_settings(), load_config()
    except ConfigError as error:
        sys.stderr.write(f"Error: {error}\n")
        sys.exit(1)


_server, _app = _validated_settings()
_log_format = _app.LOG_FORMAT

bind = _server["bind"]
workers = _server["workers"]
threads = _server["threads"]
# A request slower than this is stuck (the database and Redis time out far sooner): restart it.
timeout = _server["timeout"]
# On SIGTERM, finish the requests in flight for up to this long before stopping.
graceful_timeout = _server["graceful_timeout"]
keepalive = _server["keepalive"]
# Each worker builds its own app, engine pool and Redis client after the fork: no shared sockets.
preload_app = False
# Recycle a worker after this many requests, so a slow leak could never take a host down.
# Off by default: a worker restart stalls its requests for half a second (importing the
# app), which at 2000 requests made make bench's p99 near a second; no leak is known.
max_requests = _server["max_requests"]
max_requests_jitter = _server["max_requests_jitter"]
# A header line over 8190 bytes gets gunicorn's own 431 (see docs/deploy.md).
limit_request_line = 8190
limit_request_field_size = 8190

# gunicorn's runtime control socket is off unless asked for: one fixed path per user would
# collide between several gunicorns on one host.
control_socket_disable = _server["control_socket"] is None
if not control_socket_disable:
    control_socket = _server["control_socket"]


# This worker's IdleTrimmer (allocator.py), set by post_fork; None when memory is kept.
_trimmer: allocator.IdleTrimmer | None = None


def post_fork(server, worker) -> None:  # noqa: ARG001 - gunicorn's hook signature
    """In each new worker: with GUNICORN_RETURN_MEMORY (on by default), memory the worker
    freed, argon2's 19 MiB of a login above all, goes back to the system once the worker
    is idle, and stays for reuse while it is busy (allocator.py; glibc only)."""
    global _trimmer
    if _server["return_memory"]:
        _trimmer = allocator.idle_trimmer()


def pre_request(worker, req) -> None:  # noqa: ARG001 - gunicorn's hook signature
    if _trimmer is not None:
        _trimmer.request_started()


def post_request(worker, req, environ, resp) -> None:  # noqa: ARG001 - gunicorn's hook signature
    if _trimmer is not None:
        _trimmer.request_finished()


accesslog = "-"
errorlog = "-"
loglevel = _app.LOG_LEVEL.lower()


class Logger(glogging.Logger):
    """gunicorn's lines in the app's format, all on stderr; the access log with the request id.

    Only the path is logged, never the query string or any header but the user agent.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                handler.setStream(sys.stderr)
        if _log_format == "json":
            for handler in self.error_log.handlers:
                handler.setFormatter(logging_config.JsonFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        if _log_format != "json":
            super().access(resp, req, environ, request_time)
            return
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


logger_class = Logger
access_log_format = (
    "%(message)s"
    if _log_format == "json"
    else "%(h)s %(m)s %(U)s %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s"
)


# --- metrics: every worker counts (METRICS_ENABLED; app/metrics/exposition.py) ---------------
# Each worker is a process with counters of its own. prometheus_client's multiprocess mode
# keeps them in files, one per process, in the folder PROMETHEUS_MULTIPROC_DIR names, and a
# scrape sums them, whichever worker answers it. The master owns that folder: a fresh one
# per start (counts from an earlier run must not be added again), set in the environment
# before any worker is forked (a worker imports the app, and prometheus_client, after
# the fork: preload_app is off), and removed when the master stops.


def on_starting(server) -> None:
    if _app.METRICS_ENABLED:
        folder = tempfile.mkdtemp(prefix="wardrobe-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        server.log.info("metrics: worker counters in %s", folder)


def child_exit(_server, worker) -> None:
    """A worker's counts stay in the sum; only its live gauges (none today) are dropped."""
    if _app.METRICS_ENABLED:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(_server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if _app.METRICS_ENABLED and folder:
        shutil.rmtree(folder, ignore_errors=True)
