"""A worker's resident size does not keep a login's argon2 buffer (19 MiB) once it is done.

glibc raises its mmap threshold when the first big buffer is freed, so every later one came
from the heap and stayed: each worker that had served two logins was 19 MiB larger for good.
gunicorn.conf.py fixes the threshold in every worker (allocator.py). Resident sizes are read
from /proc once the worker is idle, so a loaded machine changes when, not what, is measured.
"""

from __future__ import annotations

import platform
import subprocess
import time
from pathlib import Path

import pytest
import requests

import allocator
from tests.support.live_server import run_live_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
        reason="the allocator setting is glibc's; elsewhere it is a no-op",
    ),
]

PASSWORD = "memory test passphrase"
BUFFER_MB = 19  # argon2id at m = 19 MiB


def test_the_allocator_setting_applies_on_glibc():
    assert allocator.return_big_buffers() is True


@pytest.mark.parametrize(
    ("setting", "kept"), [("true", False), ("false", True)], ids=["returned", "kept"]
)
def test_logins_leave_no_buffer_in_the_worker(tmp_path, setting, kept):
    with run_live_server(tmp_path, workers=1, GUNICORN_RETURN_MEMORY=setting) as server:
        server.flask("create-admin", "mem@example.com", "--password", PASSWORD)
        (worker,) = worker_pids(server.pid)
        log_in(server.url)  # the first buffer is freed: glibc's threshold would rise here
        before = settled_rss_mb(worker)
        for _ in range(4):
            log_in(server.url)
        grown = settled_rss_mb(worker) - before
    if kept:  # the test can tell: without the setting, the buffer stays
        assert grown > BUFFER_MB * 0.8
    else:
        assert grown < BUFFER_MB * 0.4


def log_in(url: str) -> None:
    body = {"email": "mem@example.com", "password": PASSWORD}
    assert requests.post(f"{url}/auth/login", json=body, timeout=30).status_code == 200


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=True
    ).stdout
    return [int(pid) for pid in out.split()]


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
