"""The client's address: the socket peer, or what the trusted proxies put in X-Forwarded-For.

Werkzeug's ProxyFix copies the X-Forwarded-For entry it trusts into REMOTE_ADDR as it is,
so anything a proxy passed through (a 200-character string, `unknown`, a port, an IPv6
scope) became the address the rate limiter counts and the session's `ip` column stores
(a PostgreSQL `varchar(45)` then refused the INSERT: a 500). `ValidClientAddress` sits
inside ProxyFix and keeps a forwarded value only when it is an IP address, written in
its one canonical form; otherwise the socket address stands. Everything downstream reads
`request.remote_addr`, so the limiter and the sessions always see the same address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

WsgiApp = Any  # a WSGI callable: (environ, start_response) -> iterable of bytes


def canonical_ip(value: str) -> str | None:
    """`value` as a canonical IP address (`2001:db8::1`), or None when it is not one.

    Scoped IPv6 addresses (`fe80::1%eth0`) are refused: the scope is free text.
    """
    if "%" in value:
        return None
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        return None


class ValidClientAddress:
    """WSGI middleware, wrapped by ProxyFix: a forwarded address must be an IP address."""

    def __init__(self, app: WsgiApp):
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        address = canonical_ip(environ.get("REMOTE_ADDR") or "")
        if address is None:
            socket_address = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
            address = canonical_ip(socket_address or "") or ""
        environ["REMOTE_ADDR"] = address
        return self.app(environ, start_response)
