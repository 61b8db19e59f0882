"""/metrics under real gunicorn with two workers: every worker counts, any worker answers the sum.

The server runs as in production (tests/support/live_server.py): gunicorn.conf.py makes the
folder the workers keep their counters in, and removes it when the master stops.
"""

from __future__ import annotations

import re
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.support.http import bearer
from tests.support.live_server import LiveServer, run_live_server
from tests.support.metrics import parse, value

pytestmark = pytest.mark.slow

LOGINS = 24
SCRAPES = 8
UNKNOWN = {"outcome": "unknown_email"}


def counters_folder(server: LiveServer) -> Path:
    """The folder the master announced in its log."""
    found = re.search(
        r"metrics: worker counters in (\S+?wardrobe-metrics-[\w]+)", server.log_tail()
    )
    assert found, server.log_tail()
    return Path(found.group(1))


def per_worker_logins(folder: Path, tmp_path: Path) -> list[float]:
    """Each worker's own count of unknown-email logins, read from its file alone."""
    counts = []
    for file in sorted(folder.glob("counter_*.db")):
        alone = tmp_path / file.stem
        alone.mkdir()
        shutil.copy(file, alone / file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts.append(
            value(parse(generate_latest(registry).decode()), "wardrobe_logins_total", **UNKNOWN)
        )
    return counts


def test_two_workers_count_into_one_sum_that_every_scrape_shows(tmp_path):
    token = secrets.token_urlsafe(48)
    settings = {"METRICS_ENABLED": "true", "METRICS_TOKEN": token}
    with run_live_server(tmp_path / "server", workers=2, **settings) as server:
        folder = counters_folder(server)

        def logins_in_a_scrape() -> float:
            response = requests.get(f"{server.url}/metrics", headers=bearer(token), timeout=10)
            assert response.status_code == 200, response.text
            return value(parse(response.text), "wardrobe_logins_total", **UNKNOWN)

        before = logins_in_a_scrape()

        def log_in(number: int) -> int:
            body = {"email": f"nobody{number}@example.com", "password": "not a password"}
            return requests.post(f"{server.url}/auth/login", json=body, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:  # both workers get some of them
            assert list(pool.map(log_in, range(LOGINS))) == [401] * LOGINS

        # Each scrape is a new connection, answered by whichever worker takes it.
        assert {logins_in_a_scrape() for _ in range(SCRAPES)} == {before + LOGINS}
        per_worker = per_worker_logins(folder, tmp_path)
        assert len(per_worker) == 2, per_worker
        assert all(count > 0 for count in per_worker), per_worker
        assert sum(per_worker) == before + LOGINS
    assert not folder.exists(), "the master removes the folder when it stops"


def test_without_the_token_a_scrape_of_the_live_server_is_refused(tmp_path):
    token = secrets.token_urlsafe(48)
    settings = {"METRICS_ENABLED": "true", "METRICS_TOKEN": token}
    with run_live_server(tmp_path / "server", workers=1, **settings) as server:
        response = requests.get(f"{server.url}/metrics", timeout=10)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
