"""`make bench-scale`: one instance with 2 workers against two instances with 1 worker each
behind nginx, and, for reference, the one instance behind nginx (the proxy's own cost).

All three run at once on one database (a fresh PostgreSQL database next to TEST_DATABASE_URL's
and one Redis key prefix when they answer, else SQLite alone), with the same secrets, so one
token works everywhere. For /healthz, GET /auth/me and GET /clothes?limit=20, every round runs
wrk against the three back to back; a row's ratio is its req/s over the direct instance's in
the same round (median over rounds). On one host the instances share its cores, so the point
is the shape of the deployment and what the proxy costs, not a gain (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from harness import (  # bench/ is this script's folder
    ADMIN,
    PASSWORD,
    ROOT,
    Target,
    bench_env,
    gunicorn,
    has_catalogue,
    http,
    run_wrk,
    seed,
    summary,
)
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(ROOT))
from tests.support.nginx import nginx_binary, run_nginx

DIRECT = "1 x 2 workers"
SETUPS = (DIRECT, "2 x 1 worker + nginx", "1 x 2 workers + nginx")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk run length")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--items", type=int, default=100_000, help="catalogue size")
    parser.add_argument("--sqlite", action="store_true", help="ignore TEST_DATABASE_URL")
    args = parser.parse_args()
    if shutil.which("wrk") is None or nginx_binary() is None:
        raise SystemExit("bench-scale needs wrk and nginx: `apt-get install wrk nginx`")

    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="wardrobe-bench-scale-"))
    with shared_stores(workdir, sqlite=args.sqlite) as stores:
        env = bench_env(workdir) | stores
        catalogue = has_catalogue(env)
        seed(env, args.items, catalogue)
        rows = measure(env, catalogue, args, workdir)
    failed = print_rows(rows)
    database = env["DATABASE_URL"].split("://")[0].split("+")[0]
    redis = "Redis" if env.get("REDIS_URL") else "no Redis"
    print(
        f"\n{database}, {redis}, items: {args.items if catalogue else 0}, rounds: "
        f"{args.rounds} x {args.seconds}s, {os.cpu_count()} cores, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after; ratio: req/s over the "
        f"direct instance's ({DIRECT}) in the same round"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def measure(env: dict[str, str], catalogue: bool, args, workdir: Path) -> dict[str, list[Target]]:
    """Start the three set-ups, then run every endpoint against each, round after round."""
    with ExitStack() as stack:
        pair, _ = stack.enter_context(gunicorn(env, 2, workdir))
        singles = [stack.enter_context(gunicorn(env, 1, workdir))[0] for _ in range(2)]
        two_behind = stack.enter_context(run_nginx(_hosts(singles), workdir / "nginx-two"))
        one_behind = stack.enter_context(run_nginx(_hosts([pair]), workdir / "nginx-one"))
        bases = dict(zip(SETUPS, (pair, two_behind.url, one_behind.url), strict=True))

        tokens = http("POST", pair + "/auth/login", {"email": ADMIN, "password": PASSWORD})
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        endpoints = [("/healthz", "/healthz", {}), ("GET /auth/me", "/auth/me", auth)]
        if catalogue:
            endpoints.append(("GET /clothes?limit=20", "/clothes?limit=20", auth))
        rows = {
            name: [Target(f"{name} {setup}", path, headers) for setup in SETUPS]
            for name, path, headers in endpoints
        }
        for targets in rows.values():  # warm-up: imports, connections, the session cache
            for setup, target in zip(SETUPS, targets, strict=True):
                run_wrk(bases[setup], target, 1, workdir)
        for round_ in range(args.rounds):
            for targets in rows.values():
                # Each round starts with another set-up, so none is always measured first.
                for index in _rotated(len(SETUPS), round_):
                    target = targets[index]
                    target.runs.append(run_wrk(bases[SETUPS[index]], target, args.seconds, workdir))
                direct = targets[0].runs[-1]["rps"]
                for target in targets:
                    target.ratios.append(target.runs[-1]["rps"] / direct)
    return rows


def print_rows(rows: dict[str, list[Target]]) -> bool:
    """The table; True when any request failed."""
    print(
        f"\n{'endpoint':<24}{'set-up':<24}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'ratio':>7}"
    )
    failed = False
    for name, targets in rows.items():
        for setup, target in zip(SETUPS, targets, strict=True):
            rps, p50, p99, errors = summary(target)
            failed = failed or errors > 0
            ratio = statistics.median(target.ratios)
            print(f"{name:<24}{setup:<24}{rps:>8.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}{ratio:>7.2f}")
    print("\nTwo instances over one with the same workers, both behind nginx (same rounds):")
    for name, (_, two, one) in rows.items():
        pairs = zip(two.runs, one.runs, strict=True)
        print(f"  {name:<24}{statistics.median(a['rps'] / b['rps'] for a, b in pairs):.2f}")
    return failed


@contextmanager
def shared_stores(workdir: Path, *, sqlite: bool) -> Iterator[dict[str, str]]:
    """DATABASE_URL and REDIS_URL every instance shares: PostgreSQL and Redis when they answer
    (a database and a key prefix of this run's own, removed afterwards), else SQLite alone."""
    admin_url, redis_url = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if sqlite or not admin_url or not _answers(admin_url, redis_url):
        yield {"DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "REDIS_URL": ""}
        return
    name = f"wardrobe_bench_{secrets.token_hex(4)}"
    prefix = f"{name}:"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield {"DATABASE_URL": url, "REDIS_URL": redis_url or "", "REDIS_KEY_PREFIX": prefix}
    finally:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if redis_url:
            client = Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()


def _answers(admin_url: str, redis_url: str | None) -> bool:
    try:
        _admin(admin_url, "SELECT 1")
        if redis_url:
            Redis.from_url(redis_url, socket_connect_timeout=1).ping()
    except Exception as error:  # any failure means "not usable here": fall back to SQLite
        print(f"bench-scale: PostgreSQL or Redis unusable ({type(error).__name__}); using SQLite")
        return False
    return True


def _admin(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _rotated(count: int, start: int) -> list[int]:
    return [(start + offset) % count for offset in range(count)]


def _hosts(bases: list[str]) -> list[str]:
    return [base.removeprefix("http://") for base in bases]


if __name__ == "__main__":
    sys.exit(main())
