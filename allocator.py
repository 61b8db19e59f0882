"""Worker memory: big buffers go back to the system (glibc only; a no-op elsewhere).

A login verifies an argon2id hash with a 19 MiB buffer. glibc serves a request that large
with its own mmap and unmaps it when freed, but its mmap threshold is dynamic: freeing the
first such buffer raises the threshold to its size, so every later one comes from the heap
and stays there. Each worker that served a login then kept about 19 MiB for good. Fixing the
threshold with mallopt turns that adjustment off, so every buffer of MMAP_THRESHOLD or more
is mapped and unmapped again: a worker's resident size no longer depends on whether it has
served a login. The price is CPU: each login faults its buffer in again, about a quarter
of the login rate under gunicorn, so gunicorn.conf.py applies it only with
GUNICORN_RETURN_MEMORY=true (docs/decisions.md 25, docs/performance.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

# glibc's own initial threshold: only buffers this large are mapped, as before the first
# big free. Python's small objects live in its own arenas and are not affected.
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # malloc.h


def return_big_buffers() -> bool:
    """Fix glibc's mmap threshold in this process; whether it applied (False off glibc)."""
    libc = _glibc()
    return libc is not None and libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1


def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None
