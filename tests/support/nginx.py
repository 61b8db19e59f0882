"""A real nginx in front of app instances, for the scale-out test and `make bench-scale`.

It runs as the current user from a folder of its own (`nginx -p <folder> -c <conf>`): its
configuration, pid file, logs and temporary files all live there, so it needs no root and
never touches /etc/nginx or another nginx on the machine. The proxy part of the configuration
(`PROXY_BLOCK`) is the one docs/scaling.md shows deployers: round robin over the instances,
X-Forwarded-For and X-Forwarded-Proto set by nginx (the app trusts them with TRUSTED_PROXIES=1).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT = 10.0

# The deployable part: one upstream of every instance, one server that proxies to it, with
# docs/deploy.md's limits and its problem+json answers for what nginx refuses itself.
PROXY_BLOCK = """\
upstream wardrobe {{
{servers}
    keepalive 16;
}}

server {{
    listen 127.0.0.1:{port};
    client_max_body_size 64k;
    large_client_header_buffers 4 8k;
    proxy_read_timeout 35s;

    location / {{
        proxy_pass http://wardrobe;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        # Overwrite, do not append: with TRUSTED_PROXIES=1 the app trusts exactly this value.
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-ID $request_id;
        # Which instance answered (not for production): the test sees both take turns.
        add_header X-Upstream $upstream_addr always;
    }}

    error_page 413 = @too_large;
    error_page 400 494 = @bad_request;
    error_page 502 503 504 = @unavailable;
    default_type application/problem+json;
    location @too_large {{
        return 413 '{too_large}';
    }}
    location @bad_request {{
        return 400 '{bad_request}';
    }}
    location @unavailable {{
        return 503 '{unavailable}';
    }}
}}
"""

PROBLEMS = {
    "too_large": (413, "Payload too large", "payload_too_large"),
    "bad_request": (400, "Bad request", "malformed_json"),
    "unavailable": (503, "Service unavailable", "service_unavailable"),
}


# What a private nginx needs around it: every path inside its own folder, in the foreground.
MAIN_CONF = """\
{user}worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

{proxy}
}}
"""


@dataclass(frozen=True)
class Nginx:
    url: str
    prefix: Path

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def nginx_binary() -> str | None:
    """$NGINX (the Makefile passes it), nginx on PATH, or Debian's /usr/sbin/nginx (not on a
    non-root user's PATH); None when there is none."""
    for candidate in (os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def render(upstreams: Sequence[str], port: int, prefix: Path, workers: int = 1) -> str:
    """The whole nginx.conf: `upstreams` are `host:port` of the app instances."""
    servers = "\n".join(f"    server {address};" for address in upstreams)
    problems = {
        name: json.dumps(
            {"type": "about:blank", "title": title, "status": status, "code": code},
            separators=(",", ":"),
        )
        for name, (status, title, code) in PROBLEMS.items()
    }
    proxy = PROXY_BLOCK.format(servers=servers, port=port, **problems)
    # As root, nginx would run its workers as `nobody`, who cannot enter a private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return MAIN_CONF.format(user=user, workers=workers, prefix=prefix, proxy=_indent(proxy, "    "))


@contextmanager
def run_nginx(upstreams: Sequence[str], prefix: Path, *, workers: int = 1) -> Iterator[Nginx]:
    """Start nginx on a free loopback port in front of `upstreams`; stopped when the block ends.

    Raises FileNotFoundError: nginx is not installed (`make nginx` installs it).
    Raises RuntimeError: the configuration was refused, or nothing listened in time.
    """
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (make nginx installs Debian's package)")
    prefix.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(render(upstreams, port, prefix, workers))
    # -e: the log for messages before the configuration is read (else /var/log/nginx).
    command = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    server = Nginx(url=f"http://127.0.0.1:{port}", prefix=prefix)
    try:
        _wait_for_port(port, process, server)
        yield server
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(True))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, server: Nginx) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{server.error_log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port} in {STARTUP_TIMEOUT}s")
