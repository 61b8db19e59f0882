"""A worker's resident size does not keep a login's argon2 buffer (19 MiB) once it is idle,
and does not carry the Redis client library when it runs without Redis.

glibc raises its mmap threshold when the first big buffer is freed, so every later one came
from the heap and stayed: each worker that had served two logins was 19 MiB larger for good.
gunicorn.conf.py now gives a worker's free heap back once it has been idle for a moment
(allocator.IdleTrimmer), and keeps it while requests keep coming, so back-to-back logins
reuse the buffer. Resident sizes are read from /proc once the worker is idle, so a loaded
machine changes when, not what, is measured.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

import allocator
from tests.support.live_server import run_live_server

ROOT = Path(__file__).resolve().parents[2]
glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the allocator is glibc's; elsewhere the trimmer is not started",
)

PASSWORD = "memory test passphrase"
BUFFER_MB = 19  # argon2id at m = 19 MiB


class RecordedTrims:
    """A trim function for IdleTrimmer that counts its calls and lets a test wait for one."""

    def __init__(self) -> None:
        self.count = 0
        self.done = threading.Event()

    def __call__(self) -> None:
        self.count += 1
        self.done.set()


def test_an_idle_worker_trims_once_after_its_last_request():
    trims = RecordedTrims()
    trimmer = allocator.IdleTrimmer(trims, idle_seconds=0.05).start()
    trimmer.request_started()
    trimmer.request_finished()
    assert trims.done.wait(timeout=10)
    time.sleep(0.3)  # six idle periods with no new request: nothing more to give back
    assert trims.count == 1


def test_a_busy_worker_keeps_its_memory_until_it_is_idle():
    trims = RecordedTrims()
    trimmer = allocator.IdleTrimmer(trims, idle_seconds=0.05).start()
    trimmer.request_started()
    trimmer.request_finished()
    trimmer.request_started()  # the next request is in flight before the worker idles
    time.sleep(0.3)
    assert trims.count == 0
    trimmer.request_finished()
    assert trims.done.wait(timeout=10)
    assert trims.count == 1


@glibc_only
def test_the_trimmer_starts_on_glibc():
    assert isinstance(allocator.idle_trimmer(), allocator.IdleTrimmer)


@pytest.mark.slow
@glibc_only
@pytest.mark.parametrize(
    ("setting", "kept"), [("true", False), ("false", True)], ids=["returned", "kept"]
)
def test_logins_leave_no_buffer_in_an_idle_worker(tmp_path, setting, kept):
    with run_live_server(tmp_path, workers=1, GUNICORN_RETURN_MEMORY=setting) as server:
        server.flask("create-admin", "mem@example.com", "--password", PASSWORD)
        (worker,) = worker_pids(server.pid)
        log_in(server.url)  # the first buffer is freed: glibc's threshold would rise here
        before = idle_rss_mb(worker)
        for _ in range(4):
            log_in(server.url)
        grown = idle_rss_mb(worker) - before
    if kept:  # the test can tell: without the setting, the buffer stays
        assert grown > BUFFER_MB * 0.8
    else:
        assert grown < BUFFER_MB * 0.4


@pytest.mark.parametrize(("redis_url", "imported"), [("", False), ("redis://127.0.0.1:1/0", True)])
def test_the_redis_library_is_imported_only_with_a_redis_url(redis_url, imported):
    """The client library weighs about 6 MB per worker; an app without Redis never loads it
    (the client connects lazily, so no Redis needs to listen for the second case)."""
    code = "import sys; from app import create_app; create_app(); print('redis' in sys.modules)"
    env = os.environ | {"APP_ENV": "testing", "REDIS_URL": redis_url, "DATABASE_URL": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == str(imported)


def log_in(url: str) -> None:
    body = {"email": "mem@example.com", "password": PASSWORD}
    assert requests.post(f"{url}/auth/login", json=body, timeout=30).status_code == 200


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=True
    ).stdout
    return [int(pid) for pid in out.split()]


def idle_rss_mb(pid: int) -> float:
    """VmRSS once the worker is idle, well past the trimmer's delay (a busy CI machine may
    run its thread late), and its CPU time has settled."""
    time.sleep(allocator.IDLE_SECONDS * 5)
    return settled_rss_mb(pid)


def settled_rss_mb(pid: int, timeout_s: float = 30) -> float:
    """VmRSS once the process has used no CPU for 0.3 s (its requests are all served)."""
    stat = Path(f"/proc/{pid}/stat")

    def ticks() -> int:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    end, last = time.monotonic() + timeout_s, ticks()
    while time.monotonic() < end:
        time.sleep(0.3)
        if (now := ticks()) == last:
            break
        last = now
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    (line,) = [line for line in status if line.startswith("VmRSS:")]
    return int(line.split()[1]) / 1024
