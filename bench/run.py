"""`make bench`: throughput and latency of Wardrobe API under gunicorn, as ratios to /healthz.

It migrates a fresh database (SQLite in a temp folder unless DATABASE_URL is set), seeds the
catalogue, starts `gunicorn wsgi:app` with the production config and 2 sync workers, takes
tokens, adds 20 outfits of 10 items each (for GET /outfits), then drives wrk against each
endpoint, interleaved with /healthz in every round so each ratio compares measurements taken
moments apart. Prints a table; exits non-zero when any request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPORT_LUA = (Path(__file__).with_name("report.lua")).read_text()
PASSWORD = "bench password 1234"


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
    base: str | None = None  # another server than the main one (the EdDSA gunicorn)

    def lua(self) -> str:
        if self.script is not None:
            return self.script
        lines = [f'wrk.method = "{self.method}"']
        for name, value in self.headers.items():
            lines.append(f'wrk.headers["{name}"] = "{value}"')
        if self.body is not None:
            lines.append(f"wrk.body = {json.dumps(self.body)}")
        return "\n".join(lines) + "\n" + REPORT_LUA


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


def cookie_login(base: str, email: str) -> dict[str, str]:
    """Log in with the cookie transport; the Cookie header a browser would then send."""
    body = {"email": email, "password": PASSWORD, "transport": "cookie"}
    request = urllib.request.Request(base + "/auth/login", method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, data=json.dumps(body).encode(), timeout=30) as response:
        pairs = [header.split(";", 1)[0] for header in response.headers.get_all("Set-Cookie")]
    # The refresh cookie is scoped to /auth/refresh: a browser does not send it to /clothes.
    return {"Cookie": "; ".join(pair for pair in pairs if not pair.startswith("wardrobe_refresh"))}


def seed_outfits(base: str, token: str, count: int = 20, size: int = 10) -> None:
    """`count` outfits of the bench user, each of `size` catalogue items (ids 1 to `size`)."""
    body = {"name": "Bench look", "visibility": "public", "items": list(range(1, size + 1))}
    for _ in range(count):
        http("POST", base + "/outfits", body, token)


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def wait_until_up(base: str, deadline_s: float = 30) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            http("GET", base + "/healthz")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def worker_pids(master_pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_wrk(base: str, target: Target, seconds: int, workdir: Path) -> dict:
    base = target.base or base
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


def seed(env: dict[str, str], items: int, base_env_ok: bool) -> None:
    flask(env, "db", "upgrade")
    if base_env_ok:
        flask(env, "seed-demo", "--count", str(items))
    flask(env, "create-admin", "bench-admin@example.com", "--password", PASSWORD)


def main() -> int:  # a linear script: set up, measure, report
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk run length")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--items", type=int, default=100_000, help="catalogue size")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--mfa-users", type=int, default=5000, help="users enrolled for the two-step login row"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make bench does it as root)")

    workdir = Path(tempfile.mkdtemp(prefix="wardrobe-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
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
    has_catalogue = (
        "seed-demo"
        in subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "--help"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    )
    seed(env, args.items, has_catalogue)

    gunicorn = start_gunicorn(env, port, args.workers, workdir / "gunicorn.log")
    eddsa_server = start_eddsa_server(env, args.workers, workdir) if has_keys(env) else None
    try:
        wait_until_up(base)
        tokens = http(
            "POST", base + "/auth/login", {"email": "bench-admin@example.com", "password": PASSWORD}
        )
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        healthz = Target("/healthz", "/healthz")
        targets = [Target("GET /auth/me", "/auth/me", auth)]
        if has_catalogue:
            targets.append(Target("GET /clothes?limit=20", "/clothes?limit=20", auth))
            seed_outfits(base, tokens["access_token"])
            targets.append(Target("GET /outfits?limit=20", "/outfits?limit=20", auth))
            cookie = cookie_login(base, "bench-admin@example.com")
            targets.append(Target("GET /clothes (cookie)", "/clothes?limit=20", cookie))
        if eddsa_server is not None:
            targets.append(eddsa_me_target(eddsa_server[1]))
        login = Target(
            "POST /auth/login",
            "/auth/login",
            {"Content-Type": "application/json"},
            "POST",
            json.dumps({"email": "bench-admin@example.com", "password": PASSWORD}),
            connections=16,
        )
        # Warm-up, then the resident size every worker settles at.
        for target in (healthz, *targets):
            run_wrk(base, target, 1, workdir)
        workers = worker_pids(gunicorn.pid)
        warm_rss = [rss_mb(pid) for pid in workers]

        for _ in range(args.rounds):
            for target in targets:
                before = run_wrk(base, healthz, args.seconds, workdir)
                result = run_wrk(base, target, args.seconds, workdir)
                healthz.runs.append(before)
                target.runs.append(result)
                target.ratios.append(result["rps"] / before["rps"])
        deep_rows = (
            measure_deep_pages(base, auth, env, args.items, workdir) if has_catalogue else []
        )
        login.runs.append(run_wrk(base, login, max(args.seconds, 10), workdir))
        two_step = measure_two_step_login(
            env, args.mfa_users, base, max(args.seconds, 10), workdir, login
        )
        peak_rss = [rss_mb(pid, "VmHWM") for pid in worker_pids(gunicorn.pid)]
    finally:
        for server in (gunicorn, *([eddsa_server[0]] if eddsa_server else [])):
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    failed = print_table(healthz, [*targets, login, two_step])
    print(
        "(two-step login: logins/s; its ratio is to a one-step login run just before it with"
        " the same wrk setup, 16 threads of one connection; the goal is >= 0.9)"
    )
    print_cookie_ratio(targets)
    print_eddsa_ratio(targets)
    if deep_rows:
        deep_label = f"after row {args.items - 1000} p50 ms"
        print(f"\n{'sort':<14}{'first page p50 ms':>19}{deep_label:>28}{'ratio':>8}")
        for sort, first, deep in deep_rows:
            print(f"{sort:<14}{first:>19.2f}{deep:>28.2f}{deep / first:>8.2f}")
    print(f"\nRSS per worker after warm-up: {', '.join(f'{mb:.0f} MB' for mb in warm_rss)}")
    print(
        f"Peak RSS per worker (after the login run): {', '.join(f'{mb:.0f} MB' for mb in peak_rss)}"
    )
    print(
        f"Database: {env['DATABASE_URL'].split('://')[0]}, workers: {args.workers}, "
        f"items: {args.items if has_catalogue else 0}, rounds: {args.rounds} x {args.seconds}s"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
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
            str(log),
        ],
        cwd=ROOT,
        env=env,
    )


def has_keys(env: dict[str, str]) -> bool:
    """Whether this checkout signs with EdDSA at all (`flask keys generate` exists)."""
    help_text = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    return "keys" in help_text.split()


def start_eddsa_server(
    env: dict[str, str], workers: int, workdir: Path
) -> tuple[subprocess.Popen, str]:
    """A second gunicorn on the same database, signing with a fresh Ed25519 key. It idles
    (costing no CPU) except while its own row runs, inside the same interleaved rounds as
    the HS256 rows, so the two /auth/me figures are taken on the same machine state."""
    keys = workdir / "keys"
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "keys", "generate", "--out", str(keys)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    (key_file,) = keys.glob("*.pem")
    eddsa_env = env | {"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILES": str(key_file)}
    port = free_port()
    server = start_gunicorn(eddsa_env, port, workers, workdir / "gunicorn-eddsa.log")
    return server, f"http://127.0.0.1:{port}"


def eddsa_me_target(eddsa_base: str) -> Target:
    """GET /auth/me on the EdDSA server, with a token it signed."""
    wait_until_up(eddsa_base)
    tokens = http(
        "POST",
        eddsa_base + "/auth/login",
        {"email": "bench-admin@example.com", "password": PASSWORD},
    )
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    return Target("GET /auth/me (EdDSA)", "/auth/me", auth, base=eddsa_base)


def print_eddsa_ratio(targets: list[Target]) -> None:
    """/auth/me with EdDSA signing against HS256 (target: at least 0.9). Both rows' ratios are
    to a /healthz run of the main server just before them, as in print_cookie_ratio."""
    rows = {target.name: target for target in targets}
    hs256, eddsa = rows.get("GET /auth/me"), rows.get("GET /auth/me (EdDSA)")
    if hs256 is None or eddsa is None:
        return
    ratio = statistics.median(eddsa.ratios) / statistics.median(hs256.ratios)
    print(f"EdDSA / HS256 GET /auth/me: {ratio:.2f} (target >= 0.9)")


def measure_deep_pages(
    base: str, auth: dict[str, str], env: dict[str, str], items: int, workdir: Path
) -> list[tuple[str, float, float]]:
    """p50 of the first page and of the page after row items - 1000, for every sort."""
    from deep_pages import deep_cursors  # bench/ is this script's folder

    rows = []
    for sort, cursor in deep_cursors(env, items - 1000).items():
        # One connection: p50 is then the service time, not time spent queueing.
        first = Target(f"first {sort}", f"/clothes?limit=20&sort={sort}", auth, connections=1)
        deep = Target(
            f"deep {sort}", f"/clothes?limit=20&sort={sort}&cursor={cursor}", auth, connections=1
        )
        p50 = [run_wrk(base, target, 2, workdir)["p50_us"] / 1000 for target in (first, deep)]
        rows.append((sort, *p50))
    return rows


def print_cookie_ratio(targets: list[Target]) -> None:
    """The cookie transport's GET /clothes against the bearer one (target: at least 0.95).

    Each row's ratio is to a /healthz run taken just before it, so dividing the two ratios
    compares them on the same machine state, as the table's ratios do.
    """
    rows = {target.name: target for target in targets}
    bearer, cookie = rows.get("GET /clothes?limit=20"), rows.get("GET /clothes (cookie)")
    if bearer is None or cookie is None:
        return
    ratio = statistics.median(cookie.ratios) / statistics.median(bearer.ratios)
    print(f"\nCookie / bearer GET /clothes?limit=20: {ratio:.2f} (target >= 0.95)")


def measure_two_step_login(
    env: dict[str, str], users: int, base: str, seconds: int, workdir: Path, login: Target
) -> Target:
    """POST /auth/login then /auth/login/mfa with a pin, for fresh enrolled users; its ratio
    is to the one-step login run right before it with the same wrk setup."""
    from two_step_logins import lua, prepare  # bench/ is this script's folder

    connections = 16  # one per wrk thread: each thread alternates the two steps
    one_step = Target(
        "one-step login",
        login.path,
        login.headers,
        login.method,
        login.body,
        connections=connections,
        threads=connections,
    )
    baseline = run_wrk(base, one_step, seconds, workdir)
    target = Target(
        "two-step login (pwd, pin)",
        "/auth/login",
        connections=connections,
        threads=connections,
        script=lua(prepare(env, users, PASSWORD), PASSWORD, connections),
    )
    target.runs.append(run_wrk(base, target, seconds, workdir))
    target.ratios.append(target.runs[0]["rps"] / baseline["rps"])
    return target


def print_table(healthz: Target, targets: list[Target]) -> bool:
    print(f"\n{'endpoint':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}")
    failed = False
    for target in [healthz, *targets]:
        rps = statistics.median(run["rps"] for run in target.runs)
        p50 = statistics.median(run["p50_us"] for run in target.runs) / 1000
        p99 = statistics.median(run["p99_us"] for run in target.runs) / 1000
        errors = sum(run["non_2xx"] + run["socket_errors"] for run in target.runs)
        failed = failed or errors > 0
        ratio = f"{statistics.median(target.ratios):.2f}" if target.ratios else "1.00"
        if target.name.startswith("POST"):
            ratio = "-"
        print(f"{target.name:<28}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}{ratio:>8}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
