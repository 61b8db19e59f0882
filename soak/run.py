"""`make soak`: a bounded mixed workload against gunicorn while a worker dies and Redis restarts.

Set-up: a fresh PostgreSQL database next to TEST_DATABASE_URL's when that answers (else
SQLite in a temp folder), migrated with `flask --app wsgi db upgrade`; a private
redis-server on a free port (own key prefix too) when redis-server is installed; one admin;
`gunicorn wsgi:app` in production mode with WORKERS workers and high login/register limits.

Mail goes to an SMTP server of the soak's own (aiosmtpd, writing a Maildir), delivered by
`flask --app wsgi mail deliver --watch` running beside gunicorn.

Then CLIENTS processes (soak/workload.py) drive register, login, refresh, reads, password
resets, admin writes and logouts over loopback for SECONDS. Meanwhile, at 25% of the run,
one worker gets SIGKILL; at 50%, Redis is stopped and started again, empty; at 75%, the SMTP
server is down for a second. The OUTAGE WINDOW is declared as
the Redis stop until OUTAGE_GRACE seconds after it answers again: 5xx are allowed only there
(503 is how the app fails closed), broken connections only in KILL_GRACE seconds after the kill.

Checks, printed, exit 1 when any fails: no 5xx outside the outage window; no broken
connection outside the kill window; every item whose creation got a 201 reads back with the
same content (unless the soak deleted it); no dead token accepted, neither during the run
(see workload.py) nor in a final probe of all of them; gunicorn back to its worker count; no
mail lost: once the sender has drained the outbox, every row is sent, the SMTP server holds
each row's message exactly once (its Message-ID names the row), and every registration or
reset that was accepted has its row.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workload import ITEM_FIELDS, PASSWORD, Report, run_client

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN = ("soak-admin@example.com", PASSWORD)
OUTAGE_GRACE = 3.0
KILL_GRACE = 3.0


@dataclass
class Window:
    start: float
    end: float

    def __contains__(self, moment: float) -> bool:
        return self.start <= moment <= self.end


class PrivateRedis:
    """A redis-server of our own, restarted empty (no persistence) by `restart`."""

    def __init__(self, workdir: Path, port: int):
        self.port, self.workdir = port, workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port)]
            + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.workdir), "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _redis_answers(self.port), "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _redis_answers(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"soak: {what} did not come up in {timeout:.0f} s")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """aiosmtpd in a process of its own, storing what it accepts in a Maildir."""

    def __init__(self, workdir: Path, port: int):
        self.port, self.maildir = port, workdir / "maildir"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}"]
            + ["-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _port_open(self.port), "the SMTP server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def outbox_ids(self) -> collections.Counter:
        """How many times each outbox row's message arrived."""
        import email
        import re

        seen: collections.Counter = collections.Counter()
        for path in (self.maildir / "new").glob("*"):
            message_id = email.message_from_bytes(path.read_bytes())["Message-ID"] or ""
            if match := re.search(r"\.outbox-(\d+)@", message_id):
                seen[int(match.group(1))] += 1
        return seen


def _port_open(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_database(admin_url: str | None) -> tuple[str, str] | None:
    """(url, admin_url) of a fresh database next to admin_url's, or None if none answers."""
    if not admin_url:
        return None
    name = f"wardrobe_soak_{secrets.token_hex(4)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any failure means "no usable PostgreSQL"
        if os.environ.get("CI", "").lower() == "true":
            raise SystemExit(f"soak: PostgreSQL unusable in CI: {type(error).__name__}") from None
        print(f"soak: PostgreSQL unusable ({type(error).__name__}); using SQLite")
        return None
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), admin_url


def drop_database(url: str, admin_url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        name = make_url(url).database
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return [int(pid) for pid in out.split()]


def flask(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"soak: flask {' '.join(args[:2])} failed:\n{done.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 60)))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sqlite", action="store_true", help="ignore TEST_DATABASE_URL")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="wardrobe-soak-"))
    postgres, redis_server, gunicorn, mailer = None, None, None, None
    smtp = SmtpSink(workdir, free_port())
    try:
        if not args.sqlite:
            postgres = postgres_database(os.environ.get("TEST_DATABASE_URL"))
        if not shutil.which("redis-server") and os.environ.get("CI", "").lower() == "true":
            raise SystemExit("soak: redis-server is not installed (CI=true: that fails the run)")
        if shutil.which("redis-server"):
            redis_server = PrivateRedis(workdir, free_port())
            redis_server.start()
        smtp.start()
        port = free_port()
        env = server_env(args, workdir, port, postgres, redis_server) | {
            "MAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "PASSWORD_RESET_RATE_LIMIT": "100000 per minute",
        }
        flask(env, "db", "upgrade")
        flask(env, "create-admin", ADMIN[0], "--password", ADMIN[1])
        log = (workdir / "gunicorn.log").open("wb")
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(base), "gunicorn")
        mailer = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "mail", "deliver", "--watch"]
            + ["--interval", "0.5"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        backend = "PostgreSQL" if postgres else "SQLite"
        print(
            f"soak: {backend} + {'private Redis' if redis_server else 'no Redis'}, "
            f"{args.workers} workers, {args.clients} clients, {args.seconds:.0f} s"
        )
        reports, kill, outage = drive(base, gunicorn.pid, redis_server, smtp, args)
        mail_failures = check_mail(env["DATABASE_URL"], smtp, reports)
        return check_and_print(
            base, gunicorn.pid, args.workers, reports, kill, outage, mail_failures
        )
    finally:
        if mailer is not None:
            mailer.terminate()
            mailer.wait(timeout=30)
        smtp.stop()
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
        if redis_server is not None:
            redis_server.stop()
        if postgres:
            drop_database(*postgres)
        shutil.rmtree(workdir, ignore_errors=True)


def server_env(
    args: argparse.Namespace,
    workdir: Path,
    port: int,
    postgres: tuple[str, str] | None,
    redis_server: PrivateRedis | None,
) -> dict[str, str]:
    """Production settings with fresh secrets and limits high enough for the workload."""
    return os.environ | {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": postgres[0] if postgres else f"sqlite:///{workdir / 'soak.db'}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0" if redis_server else "",
        "REDIS_KEY_PREFIX": f"wardrobe_soak_{secrets.token_hex(4)}:",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "REGISTER_RATE_LIMIT": "100000 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
        # The workload's admins log in with a password only (no one-time pins).
        "ADMIN_MFA_REQUIRED": "false",
        "PASSWORD_CHANGE_RATE_LIMIT": "100000 per minute",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
        "LOG_FORMAT": "text",
    }


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def drive(
    base: str,
    master: int,
    redis_server: PrivateRedis | None,
    smtp: SmtpSink,
    args: argparse.Namespace,
) -> tuple[list[Report], Window, Window | None]:
    """Run the clients; SIGKILL a worker at 25% of the run, restart Redis at 50%, stop the
    SMTP server for a second at 75%."""
    start = time.time()
    deadline = start + args.seconds
    context = multiprocessing.get_context("fork")
    with context.Pool(args.clients) as pool:
        pending = [
            pool.apply_async(run_client, (base, n, ADMIN if n % 2 == 0 else None, deadline))
            for n in range(args.clients)
        ]
        time.sleep(max(0.0, start + args.seconds * 0.25 - time.time()))
        victim = worker_pids(master)[0]
        os.kill(victim, signal.SIGKILL)
        kill = Window(time.time(), time.time() + KILL_GRACE)
        print(f"soak: t={kill.start - start:5.1f} s  SIGKILL worker {victim}")
        outage = None
        if redis_server is not None:
            time.sleep(max(0.0, start + args.seconds * 0.5 - time.time()))
            stopped = time.time()
            redis_server.stop()
            time.sleep(1.0)
            redis_server.start()
            outage = Window(stopped, time.time() + OUTAGE_GRACE)
            print(
                f"soak: t={stopped - start:5.1f} s  Redis stopped; back empty at "
                f"t={outage.end - OUTAGE_GRACE - start:.1f} s; declared outage window "
                f"t={outage.start - start:.1f}-{outage.end - start:.1f} s"
            )
        time.sleep(max(0.0, start + args.seconds * 0.75 - time.time()))
        smtp.stop()
        print(f"soak: t={time.time() - start:5.1f} s  SMTP server stopped for 1 s")
        time.sleep(1.0)
        smtp.start()
        reports = [result.get(timeout=args.seconds + 120) for result in pending]
    return reports, kill, outage


MAIL_DRAIN_SECONDS = 90


def check_mail(database_url: str, smtp: SmtpSink, reports: list[Report]) -> list[str]:
    """Wait for the sender to empty the outbox; then each row's message arrived exactly once,
    and every accepted registration or reset has its row."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + MAIL_DRAIN_SECONDS
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT id, recipient, sent_at, attempts FROM mail_outbox")
                ).all()
            real = [row for row in rows if row.recipient]
            unsent = [row.id for row in real if row.sent_at is None]
            if not unsent or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        engine.dispose()
    arrived = smtp.outbox_ids()
    retried = sum(1 for row in real if row.attempts > 1)
    print(
        f"mail: {len(real)} messages queued ({len(rows) - len(real)} inert stand-ins for "
        f"unknown emails), {len(real) - len(unsent)} sent, {retried} after a retry; "
        f"{sum(arrived.values())} arrived"
    )
    failures = []
    if unsent:
        failures.append(f"{len(unsent)} messages never sent: rows {unsent[:10]}")
    doubled = [row_id for row_id, count in arrived.items() if count > 1]
    if doubled:
        failures.append(f"{len(doubled)} messages arrived more than once: rows {doubled[:10]}")
    missing = [row.id for row in real if row.sent_at is not None and row.id not in arrived]
    if missing:
        failures.append(f"{len(missing)} messages marked sent never arrived: rows {missing[:10]}")
    queued = collections.Counter(row.recipient for row in real)
    expected: collections.Counter = collections.Counter()
    for report in reports:
        expected.update(report.mail_expected)
    short = {email: n for email, n in expected.items() if queued[email] < n}
    if short:
        failures.append(f"accepted requests without their mail: {list(short.items())[:5]}")
    return failures


def check_and_print(
    base: str,
    master: int,
    workers: int,
    reports: list[Report],
    kill: Window,
    outage: Window | None,
    mail_failures: list[str],
) -> int:
    records = [record for report in reports for record in report.records]
    by_status = collections.Counter(status for _, _, status in records)
    failures: list[str] = []
    in_outage = (lambda moment: moment in outage) if outage else (lambda _moment: False)
    server_errors = [r for r in records if r[2] >= 500 and not in_outage(r[0])]
    broken = [r for r in records if r[2] == 0 and r[0] not in kill]
    print(f"\nrequests: {len(records)}  ({len(records) / max(1, _span(records)):.0f}/s)")
    print("non-2xx by status: " + (", ".join(
        f"{'broken connection' if status == 0 else status}: {count}"
        for status, count in sorted(by_status.items()) if not 200 <= status < 300
    ) or "none"))  # fmt: skip
    by_label = collections.Counter(label for _, label, _ in records)
    print("by request: " + ", ".join(f"{label} {n}" for label, n in by_label.most_common()))
    outage_5xx = sorted(r[0] for r in records if r[2] >= 500 and in_outage(r[0]))
    if outage and outage_5xx:
        print(
            f"5xx inside the declared outage window: {len(outage_5xx)}, from "
            f"+{outage_5xx[0] - outage.start:.1f} s to +{outage_5xx[-1] - outage.start:.1f} s "
            f"after the Redis stop ({', '.join(_labels(records, outage))})"
        )
    samples = {s: t for report in reports for s, t in report.samples.items()}
    for status, sample in sorted(samples.items()):
        print(f"  first {status}: {sample}")
    if server_errors:
        failures.append(f"{len(server_errors)} 5xx outside the outage window: {server_errors[:5]}")
    if broken:
        failures.append(f"{len(broken)} broken connections outside the kill window: {broken[:5]}")

    failures += mail_failures
    failures += check_items(base, reports)
    failures += check_dead_tokens(base, reports)
    for report in reports:
        failures += report.violations
    count = wait_for_workers(master, workers)
    print(f"workers: {count} of {workers}")
    if count != workers:
        failures.append(f"gunicorn has {count} workers, not {workers}")

    print("\n" + ("FAIL:\n  " + "\n  ".join(failures) if failures else "PASS: every check held"))
    return 1 if failures else 0


def _labels(records: list[tuple[float, str, int]], outage: Window) -> list[str]:
    counts = collections.Counter(
        label for moment, label, status in records if status >= 500 and moment in outage
    )
    return [f"{label} {n}" for label, n in counts.most_common()]


def _span(records: list[tuple[float, str, int]]) -> float:
    moments = [moment for moment, _, _ in records]
    return max(moments) - min(moments) if moments else 0.0


def admin_token(base: str) -> str:
    for _ in range(50):
        response = requests.post(
            base + "/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}, timeout=10
        )
        if response.status_code == 200:
            return response.json()["access_token"]
        time.sleep(0.2)  # still inside the outage: retry
    raise SystemExit(f"soak: the admin cannot log in after the run: {response.status_code}")


def check_items(base: str, reports: list[Report]) -> list[str]:
    """Every item created with a 201 and not deleted reads back with a content it may hold."""
    headers = {"Authorization": f"Bearer {admin_token(base)}"}
    deleted = {item_id for report in reports for item_id in report.deleted}
    created = {i: c for report in reports for i, c in report.items.items() if i not in deleted}
    failures = []
    for item_id, contents in created.items():
        response = requests.get(f"{base}/clothes/{item_id}", headers=headers, timeout=10)
        if response.status_code != 200:
            failures.append(f"item {item_id} created with 201 now answers {response.status_code}")
        elif {key: response.json()[key] for key in ITEM_FIELDS} not in contents:
            failures.append(f"item {item_id} changed: {response.json()} not in {contents}")
    gone = sum(
        requests.get(f"{base}/clothes/{i}", headers=headers, timeout=10).status_code == 404
        for i in deleted
    )
    print(
        f"items: {len(created)} created (201) and kept, all re-read; "
        f"{len(deleted)} deleted, {gone} of them 404 now"
    )
    return failures


def check_dead_tokens(base: str, reports: list[Report]) -> list[str]:
    """Present every token that died during the run once more: each must be refused."""
    dead = [token for report in reports for token in report.dead_tokens]
    accepted = []
    for kind, token, why in dead:
        headers = {"Authorization": f"Bearer {token}"}
        if kind == "access":
            status = requests.get(base + "/auth/me", headers=headers, timeout=10).status_code
        else:
            status = requests.post(base + "/auth/refresh", headers=headers, timeout=10).status_code
        if status < 300:
            accepted.append(f"a {kind} token dead since {why} was accepted after the run")
    probes = sum(report.revocation_probes for report in reports)
    print(
        f"dead tokens: {probes} probes during the run, {len(dead)} re-probed after it, "
        f"{len(accepted) + sum(len(r.violations) for r in reports)} accepted"
    )
    return accepted


def wait_for_workers(master: int, workers: int, timeout: float = 15) -> int:
    deadline = time.monotonic() + timeout
    while len(worker_pids(master)) != workers and time.monotonic() < deadline:
        time.sleep(0.2)
    return len(worker_pids(master))


if __name__ == "__main__":
    sys.exit(main())
