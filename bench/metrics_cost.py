"""The metrics row of `make bench`: GET /clothes?limit=20 with METRICS_ENABLED, against without.

A second gunicorn, on the same database and with the same keys (so the same token works),
serves with metrics on; every round runs wrk on the main server (metrics off) and then on this
one, moments apart, and the row is the median of their ratios. Both servers are idle while
the other is measured. The target: at least 0.95 (counting must stay a small part of a request).
"""

from __future__ import annotations

import secrets
import signal
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path


def measure(
    env: dict[str, str],
    serve: Callable[[dict[str, str], int, Path], subprocess.Popen],
    run: Callable[[str, int], dict],
    base: str,
    *,
    port: int,
    rounds: int,
    seconds: int,
    workdir: Path,
) -> float:
    """Median over `rounds` of (req/s with metrics on) / (req/s without).

    `serve(env, port, log)` starts gunicorn and waits until it answers; `run(url, seconds)`
    runs wrk on /clothes?limit=20 of the server at `url`.
    """
    metrics_env = env | {"METRICS_ENABLED": "true", "METRICS_TOKEN": secrets.token_urlsafe(48)}
    server = serve(metrics_env, port, workdir / "gunicorn-metrics.log")
    on_base = f"http://127.0.0.1:{port}"
    ratios = []
    try:
        run(on_base, 1)  # warm-up: each worker builds its series once
        for _ in range(rounds):
            off = run(base, seconds)
            on = run(on_base, seconds)
            ratios.append(on["rps"] / off["rps"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return statistics.median(ratios)
