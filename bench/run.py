"""`make bench`: throughput and latency of Wardrobe API under gunicorn, as ratios to /healthz.

It migrates a fresh database (SQLite in a temp folder unless DATABASE_URL is set), seeds the
catalogue, starts `gunicorn wsgi:app` with the production config and 2 sync workers, takes
tokens, adds 20 outfits of 10 items each (for GET /outfits), then drives wrk against each
endpoint, interleaved with /healthz in every round so each ratio compares measurements taken
moments apart. Prints a table; exits non-zero when any request failed.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import (  # bench/ is this script's folder
    ADMIN,
    PASSWORD,
    REPORT_LUA,
    Target,
    bench_env,
    flask,
    gunicorn,
    has_catalogue,
    http,
    print_table,
    run_wrk,
    seed,
    worker_pids,
)


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


INTROSPECTION_CLIENT = "bench-resource-server"


def introspection_target(access_token: str, client_password: str) -> Target:
    """POST /auth/introspect of a live access token, as a resource server sends it: a form,
    with Basic client credentials (goal: at least 0.5 of /healthz)."""
    raw = f"{INTROSPECTION_CLIENT}:{client_password}".encode()
    return Target(
        "POST /auth/introspect",
        "/auth/introspect",
        {
            "Authorization": "Basic " + base64.b64encode(raw).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        "POST",
        f"token={access_token}",
    )


def measure_eddsa_me(
    env: dict[str, str], base: str, auth: dict[str, str], args: argparse.Namespace, workdir: Path
) -> tuple[Target, float]:
    """GET /auth/me from a second gunicorn on the same database, signing with a fresh Ed25519
    key, while this one (HS256) still runs: its table row (each run after one on its own
    /healthz), and the median over the rounds of its req/s over this server's GET /auth/me
    run right after it. Side by side, both see the same database and machine state; the
    verified-token cache means a repeated token costs no signature check either way."""
    keys = workdir / "keys"
    flask(env, "keys", "generate", "--out", str(keys))
    (key_file,) = keys.glob("*.pem")
    eddsa_env = env | {"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILES": str(key_file)}
    hs256 = Target("GET /auth/me", "/auth/me", auth)
    with gunicorn(eddsa_env, args.workers, workdir) as (eddsa_base, _master):
        tokens = http("POST", eddsa_base + "/auth/login", {"email": ADMIN, "password": PASSWORD})
        eddsa_auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        healthz = Target("/healthz (EdDSA)", "/healthz")
        target = Target("GET /auth/me (EdDSA)", "/auth/me", eddsa_auth)
        for each in (healthz, target):
            run_wrk(eddsa_base, each, 1, workdir)
        to_hs256 = []
        for _ in range(args.rounds):
            before = run_wrk(eddsa_base, healthz, args.seconds, workdir)
            result = run_wrk(eddsa_base, target, args.seconds, workdir)
            target.runs.append(result)
            target.ratios.append(result["rps"] / before["rps"])
            to_hs256.append(result["rps"] / run_wrk(base, hs256, args.seconds, workdir)["rps"])
    return target, statistics.median(to_hs256)


def measure_metrics_cost(
    env: dict[str, str], base: str, auth: dict[str, str], args: argparse.Namespace, workdir: Path
) -> float:
    """GET /clothes?limit=20 on a second server with METRICS_ENABLED (same database and keys,
    so the same token works), as the median over the rounds of its req/s over this one's,
    each pair run moments apart while the other server idles. Target: at least 0.95."""
    clothes = Target("GET /clothes?limit=20", "/clothes?limit=20", auth)
    metrics_env = env | {"METRICS_ENABLED": "true", "METRICS_TOKEN": secrets.token_urlsafe(48)}
    with gunicorn(metrics_env, args.workers, workdir) as (on_base, _master):
        run_wrk(on_base, clothes, 1, workdir)  # warm-up: each worker builds its series once
        ratios = []
        for _ in range(args.rounds):
            off = run_wrk(base, clothes, args.seconds, workdir)
            on = run_wrk(on_base, clothes, args.seconds, workdir)
            ratios.append(on["rps"] / off["rps"])
    return statistics.median(ratios)


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def settled_rss_mb(pids: list[int], timeout_s: float = 60) -> list[float]:
    """Each worker's resident size once none is working: wrk stops sending when its time is
    up, but requests already queued (logins, each holding a 19 MiB argon2 buffer while it
    runs) are still served, and a reading taken meanwhile would count them."""

    def cpu_ticks() -> list[int]:
        ticks = []
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks.append(int(fields[11]) + int(fields[12]))  # utime + stime
        return ticks

    end = time.monotonic() + timeout_s
    before = cpu_ticks()
    while time.monotonic() < end:
        time.sleep(0.3)
        now = cpu_ticks()
        if now == before:
            break
        before = now
    return [rss_mb(pid) for pid in pids]


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
    env = bench_env(workdir)
    # A resource server's credentials, for the POST /auth/introspect row.
    client_password = secrets.token_urlsafe(32)
    env["INTROSPECTION_CLIENTS"] = f"{INTROSPECTION_CLIENT}:{client_password}"
    catalogue = has_catalogue(env)
    seed(env, args.items, catalogue)

    with gunicorn(env, args.workers, workdir) as (base, master):
        tokens = http("POST", base + "/auth/login", {"email": ADMIN, "password": PASSWORD})
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        healthz = Target("/healthz", "/healthz")
        targets = [Target("GET /auth/me", "/auth/me", auth)]
        if catalogue:
            targets.append(Target("GET /clothes?limit=20", "/clothes?limit=20", auth))
            seed_outfits(base, tokens["access_token"])
            targets.append(Target("GET /outfits?limit=20", "/outfits?limit=20", auth))
            cookie = cookie_login(base, ADMIN)
            targets.append(Target("GET /clothes (cookie)", "/clothes?limit=20", cookie))
        targets.append(introspection_target(tokens["access_token"], client_password))
        login = Target(
            "POST /auth/login",
            "/auth/login",
            {"Content-Type": "application/json"},
            "POST",
            json.dumps({"email": ADMIN, "password": PASSWORD}),
            connections=16,
        )
        # Warm-up, then the resident size every worker settles at.
        for target in (healthz, *targets):
            run_wrk(base, target, 1, workdir)
        warm_rss = settled_rss_mb(worker_pids(master))

        for _ in range(args.rounds):
            for target in targets:
                before = run_wrk(base, healthz, args.seconds, workdir)
                result = run_wrk(base, target, args.seconds, workdir)
                healthz.runs.append(before)
                target.runs.append(result)
                target.ratios.append(result["rps"] / before["rps"])
        deep_rows = measure_deep_pages(base, auth, env, args.items, workdir) if catalogue else []
        login.runs.append(run_wrk(base, login, max(args.seconds, 10), workdir))
        two_step = measure_two_step_login(
            env, args.mfa_users, base, max(args.seconds, 10), workdir, login
        )
        peak_rss = [rss_mb(pid, "VmHWM") for pid in worker_pids(master)]
        mixed = mixed_traffic(auth, login, catalogue)
        mixed.runs.append(run_wrk(base, mixed, max(args.seconds, 10), workdir))
        steady_rss = settled_rss_mb(worker_pids(master))
        metrics_ratio = measure_metrics_cost(env, base, auth, args, workdir) if catalogue else None
        eddsa, eddsa_ratio = measure_eddsa_me(env, base, auth, args, workdir)

    failed = print_table(healthz, [*targets, login, two_step, mixed, eddsa])
    print(
        "(two-step login: logins/s; its ratio is to a one-step login run just before it with"
        " the same wrk setup, 16 threads of one connection; the goal is >= 0.9)"
    )
    print_cookie_ratio(targets)
    print(f"\nEdDSA / HS256 GET /auth/me, side by side: {eddsa_ratio:.2f} (target >= 0.9)")
    if metrics_ratio is not None:
        print(f"GET /clothes with metrics on / without: {metrics_ratio:.2f} (target >= 0.95)")
    if deep_rows:
        deep_label = f"after row {args.items - 1000} p50 ms"
        print(f"\n{'sort':<14}{'first page p50 ms':>19}{deep_label:>28}{'ratio':>8}")
        for sort, first, deep in deep_rows:
            print(f"{sort:<14}{first:>19.2f}{deep:>28.2f}{deep / first:>8.2f}")
    print(f"\nRSS per worker after warm-up: {', '.join(f'{mb:.1f} MB' for mb in warm_rss)}")
    print(
        f"Peak RSS per worker (after the login run): {', '.join(f'{mb:.0f} MB' for mb in peak_rss)}"
    )
    print(
        "Steady RSS per worker (after every run, the last one mixed traffic with logins): "
        f"{', '.join(f'{mb:.1f} MB' for mb in steady_rss)} (target <= 80 MB)"
    )
    print(
        f"Database: {env['DATABASE_URL'].split('://')[0]}, workers: {args.workers}, "
        f"items: {args.items if catalogue else 0}, rounds: {args.rounds} x {args.seconds}s"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


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


def mixed_traffic(auth: dict[str, str], login: Target, catalogue: bool) -> Target:
    """Reads with a login every LOGIN_EVERY requests, on 4 connections: what a worker's
    resident size settles at when it serves both (a login's argon2 buffer is 19 MiB)."""
    paths = ["/auth/me", "/clothes?limit=20"] if catalogue else ["/auth/me"]
    script = MIXED_LUA % {
        "paths": "{" + ",".join(json.dumps(path) for path in paths) + "}",
        "auth": auth["Authorization"],
        "login_body": login.body,
        "every": LOGIN_EVERY,
    }
    return Target("mixed, 1 login in 20", "/auth/me", script=script + REPORT_LUA)


LOGIN_EVERY = 20
MIXED_LUA = """
local paths, n = %(paths)s, 0
local read_headers = {["Authorization"] = "%(auth)s"}
local login_headers = {["Content-Type"] = "application/json"}
function request()
  n = n + 1
  if n %% %(every)d == 0 then
    return wrk.format("POST", "/auth/login", login_headers, '%(login_body)s')
  end
  return wrk.format("GET", paths[(n %% #paths) + 1], read_headers)
end
"""


if __name__ == "__main__":
    sys.exit(main())
