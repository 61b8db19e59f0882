"""What `make bench` (run.py) and `make bench-scale` (scale.py) share: settings, seeding,
gunicorn, wrk and the table.

Both measure the production config under gunicorn with wrk, each row's req/s as a ratio to a
run taken moments before it, so a busy machine moves both sides of the ratio alike.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPORT_LUA = (Path(__file__).with_name("report.lua")).read_text()
PASSWORD = "bench password 1234"
ADMIN = "bench-admin@example.com"


@dataclass
class Target:
    """One row of the table: a wrk script (method, path, headers, body) and its results."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: str | None = None
    # Two sync workers serve two requests at once; a few more connections keep both busy
    # without a queue that turns into accept-backlog stalls (p99 near a second with 8).
    connections: int = 4
    runs: list[dict] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    threads: int | None = None  # wrk threads; default min(2, connections)
    script: str | None = None  # a whole wrk script of its own (the two-step login)

    def lua(self) -> str:
        if self.script is not None:
            return self.script
        lines = [f'wrk.method = "{self.method}"']
        for name, value in self.headers.items():
            lines.append(f'wrk.headers["{name}"] = "{value}"')
        if self.body is not None:
            lines.append(f"wrk.body = {json.dumps(self.body)}")
        return "\n".join(lines) + "\n" + REPORT_LUA


def bench_env(workdir: Path) -> dict[str, str]:
    """Production settings with fresh secrets; SQLite in `workdir` unless DATABASE_URL is set."""
    env = os.environ | {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "LOGIN_RATE_LIMIT": "1000000 per minute",
        "REGISTER_RATE_LIMIT": "1000000 per minute",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    # Production refuses to start without a mail setting; the bench sends none.
    env.setdefault("MAIL_URL", "disabled")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(url, method=method)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, data=data, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def has_catalogue(env: dict[str, str]) -> bool:
    """Whether this checkout has `flask seed-demo` (older ones had no catalogue to seed)."""
    commands = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    return "seed-demo" in commands


def seed(env: dict[str, str], items: int, base_env_ok: bool) -> None:
    flask(env, "db", "upgrade")
    if base_env_ok:
        flask(env, "seed-demo", "--count", str(items))
    flask(env, "create-admin", ADMIN, "--password", PASSWORD)


def wait_until_up(base: str, deadline_s: float = 30) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            http("GET", base + "/healthz")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


@contextmanager
def gunicorn(env: dict[str, str], workers: int, workdir: Path) -> Iterator[tuple[str, int]]:
    """`gunicorn wsgi:app` with `workers` workers on a free port: (base URL, master pid)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "wsgi:app",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            str(workdir / f"gunicorn-{port}.log"),
            # Its default control socket is one path per user: parallel servers would share it.
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(base)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def worker_pids(master_pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


def run_wrk(base: str, target: Target, seconds: int, workdir: Path) -> dict:
    script = workdir / f"{target.name.replace(' ', '_').replace('/', '_')}.lua"
    script.write_text(target.lua())
    command = [
        "wrk",
        f"-t{target.threads or min(2, target.connections)}",
        f"-c{target.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base + target.path,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def summary(target: Target) -> tuple[float, float, float, int]:
    """Median req/s, p50 ms and p99 ms over the target's runs, and its failed requests."""
    rps = statistics.median(run["rps"] for run in target.runs)
    p50 = statistics.median(run["p50_us"] for run in target.runs) / 1000
    p99 = statistics.median(run["p99_us"] for run in target.runs) / 1000
    errors = sum(run["non_2xx"] + run["socket_errors"] for run in target.runs)
    return rps, p50, p99, errors


def print_table(healthz: Target, targets: list[Target]) -> bool:
    """One line per target (medians over its runs); True when any request failed."""
    print(f"\n{'endpoint':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}")
    failed = False
    for target in [healthz, *targets]:
        rps, p50, p99, errors = summary(target)
        failed = failed or errors > 0
        # A row without ratios (a login run, mixed traffic) has no /healthz to compare with.
        ratio = f"{statistics.median(target.ratios):.2f}" if target.ratios else "-"
        if target is healthz:
            ratio = "1.00"
        print(f"{target.name:<28}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}{ratio:>8}")
    return failed
