"""Cache invalidations Redis did not take, retried in the background until they land.

A worker cut off from Redis has committed a revocation or a user change but could not tell
the cache (the client got 503). Other workers may keep serving the old entry until it
expires, at most SESSION_CACHE_TTL seconds after the change. This worker keeps retrying the
invalidation every RETRY_INTERVAL_SECONDS so the window closes as soon as Redis answers it
again, and gives up once the TTL has passed: by then every stale entry has expired and the
next fill reads the committed state, so a late write would change nothing.

One retrier per app (per process): its thread starts on the first failure and ends when
nothing is left to retry. Every queued write is idempotent and only ever invalidates, so the
order in which they land does not matter.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app import redis_store

log = logging.getLogger(__name__)

RETRY_INTERVAL_SECONDS = 0.25


@dataclass(frozen=True, slots=True, eq=False)  # compared by identity
class PendingWrite:
    write: Callable[[], None]
    what: str
    give_up_at: float


class Retrier:
    """Retries writes in a daemon thread of its own, started only while some are pending."""

    def __init__(self, interval: float = RETRY_INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._pending: list[PendingWrite] = []
        self._lock = threading.Lock()
        self._running = False

    def retry(self, write: Callable[[], None], *, what: str, for_seconds: float) -> None:
        """Keep trying `write` (which raises RedisError on failure) for up to `for_seconds`."""
        with self._lock:
            self._pending.append(PendingWrite(write, what, time.monotonic() + for_seconds))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="cache-retry", daemon=True).start()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            with self._lock:
                batch = list(self._pending)
            finished = self._attempt(batch)
            with self._lock:
                self._pending = [item for item in self._pending if item not in finished]
                if not self._pending:
                    self._running = False
                    return

    @staticmethod
    def _attempt(batch: list[PendingWrite]) -> list[PendingWrite]:
        """Try each write in turn; stop at the first failure (Redis is still unreachable)."""
        finished = []
        for item in batch:
            if time.monotonic() >= item.give_up_at:
                log.warning("session cache: gave up retrying to %s; expired meanwhile", item.what)
                finished.append(item)
                continue
            try:
                item.write()
            except redis_store.failures():
                break
            log.info("session cache: %s landed on retry", item.what)
            finished.append(item)
        return finished
