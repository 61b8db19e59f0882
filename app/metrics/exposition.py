"""The scrape: the token it may need, and the text Prometheus reads.

Nothing here touches the database or Redis: a scrape reads counters in memory (or, under
gunicorn, the files every worker writes its counters to).

Under gunicorn each worker is a process with counters of its own, so a scrape, which one
worker answers, must add up all of them: gunicorn.conf.py gives the workers a fresh folder
in PROMETHEUS_MULTIPROC_DIR before they start (and removes it when the master stops);
prometheus_client then keeps every value in a memory-mapped file there, one per process,
and `render` sums the files, those of workers that have exited included (their counts
stay counted). Without that variable (`flask run`, the tests), the app's own registry is
the whole truth.
"""

from __future__ import annotations

import hmac
import os

from flask import current_app, request

from app.errors import TokenInvalid, TokenMissing
from app.metrics import EXTENSION

# Not a setting: gunicorn.conf.py sets it for its workers, and prometheus_client reads it
# when it is first imported.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def check_scrape_token() -> None:
    """With METRICS_TOKEN set, the scrape must send `Authorization: Bearer <METRICS_TOKEN>`.

    The comparison takes the same time wherever the first difference is.
    Raises TokenMissing: no Authorization header.
    Raises TokenInvalid: another scheme, or another token.
    """
    expected: str | None = current_app.config["METRICS_TOKEN"]
    if not expected:
        return
    header = request.headers.get("Authorization")
    if header is None:
        raise TokenMissing("Send the scrape token as `Authorization: Bearer <METRICS_TOKEN>`.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise TokenInvalid("This is not the scrape token (METRICS_TOKEN).")


def render() -> tuple[bytes, str]:
    """Every metric in Prometheus' text format, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
    else:
        registry = current_app.extensions[EXTENSION].registry
    return generate_latest(registry), CONTENT_TYPE_LATEST
