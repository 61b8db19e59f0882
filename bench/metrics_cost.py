"""The metrics row of `make bench`: GET /clothes?limit=20 with METRICS_ENABLED, against without.

A second gunicorn, on the same database and with the same keys (so the same token works),
serves with metrics on; every round runs wrk on the main server (metrics off) and then on this
one, moments apart, and the row is the median of their ratios. Both servers are idle while
the other is measured. The target: at least 0.95 (counting must stay a small part of a request).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable


def measure(
    run: Callable[[str, int], dict], *, off_base: str, on_base: str, rounds: int, seconds: int
) -> float:
    """Median over `rounds` of (req/s with metrics on) / (req/s without).

    `run(url, seconds)` runs wrk on /clothes?limit=20 of the server at `url`.
    """
    run(on_base, 1)  # warm-up: each worker builds its series once
    ratios = []
    for _ in range(rounds):
        off = run(off_base, seconds)
        on = run(on_base, seconds)
        ratios.append(on["rps"] / off["rps"])
    return statistics.median(ratios)
