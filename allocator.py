"""Worker memory: once a worker is idle, what it freed goes back to the system (glibc only).

A login verifies an argon2id hash with a 19 MiB buffer. glibc maps the first such buffer
with mmap and unmaps it when freed, but that free raises its (dynamic) mmap threshold, so
every later buffer comes from the heap, and glibc keeps free heap memory for the next
request: each worker that served logins stayed about 19 MiB larger for good.

Giving the buffer back after every login (a fixed mmap threshold, tried first) cost about a
quarter of the login rate: each login faulted its 19 MiB in again. So a worker keeps it
while it is busy, and gives it back when it has served no request for IDLE_SECONDS:
`malloc_trim` returns the free pages of the heap, wherever they lie. Under a steady stream
of logins the buffer is reused at no cost; a worker that goes quiet shrinks back.
gunicorn.conf.py starts one IdleTrimmer per worker (GUNICORN_RETURN_MEMORY, on by default)
and reports each request to it (docs/decisions.md 25, docs/performance.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import threading
import time
from collections.abc import Callable

# A worker with no request for this long counts as idle. Short, so the memory of a burst
# goes back soon after it; long enough that back-to-back requests never pay for a trim.
IDLE_SECONDS = 0.2


class IdleTrimmer:
    """Calls `trim` once each time the worker has been idle for `idle_seconds` after work.

    The worker's request threads call request_started and request_finished; a daemon thread
    sleeps until a request has finished, then waits for a quiet moment and trims. The trim
    runs outside the GIL (ctypes releases it), so a request that arrives meanwhile is served.
    """

    def __init__(self, trim: Callable[[], object], idle_seconds: float = IDLE_SECONDS) -> None:
        self._trim = trim
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last_finished = time.monotonic()
        self._worked = threading.Event()

    def start(self) -> IdleTrimmer:
        threading.Thread(target=self._run, name="idle-trimmer", daemon=True).start()
        return self

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def request_finished(self) -> None:
        with self._lock:
            self._in_flight = max(self._in_flight - 1, 0)
            self._last_finished = time.monotonic()
            self._worked.set()

    def _wait_for_quiet(self) -> float:
        """0 once the worker has served nothing for idle_seconds, else how long to sleep.

        Reaching quiet also clears the "worked" flag, under the lock: a request finishing
        after this point asks for a trim of its own, and none before it asks twice.
        """
        with self._lock:
            quiet = 0.0 if self._in_flight else time.monotonic() - self._last_finished
            if quiet < self._idle_seconds:
                return self._idle_seconds - quiet
            self._worked.clear()
            return 0.0

    def _run(self) -> None:
        while True:
            self._worked.wait()
            while (sleep_for := self._wait_for_quiet()) > 0:
                time.sleep(sleep_for)
            self._trim()


def idle_trimmer() -> IdleTrimmer | None:
    """A started IdleTrimmer for this process, or None off glibc (nothing to trim there)."""
    libc = _glibc()
    if libc is None:
        return None
    return IdleTrimmer(lambda: libc.malloc_trim(0)).start()


def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None
