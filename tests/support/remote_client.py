"""An HTTP client for a real server that looks like Flask's test client to tests/support/http.py.

`client.get(path, headers=...)` and `client.post(path, json=..., headers=...)` return objects with
`status_code`, `headers`, `mimetype`, `get_json()` and `get_data(as_text=True)`, so
`assert_problem`, `access_result`, `refresh` and `assert_dead` work unchanged against gunicorn
or nginx. Each client connects from one loopback address of its own (any of 127.0.0.0/8 is
this host on Linux), so a test can be several clients with addresses the app really sees, and
rate limits per address can be exhausted without touching another test's budget.
"""

from __future__ import annotations

import http.client
import json as jsonlib
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 10.0


@dataclass(frozen=True)
class RemoteResponse:
    status_code: int
    headers: Message
    body: bytes

    @property
    def mimetype(self) -> str:
        return self.headers.get_content_type()

    def get_json(self) -> Any:
        return jsonlib.loads(self.body) if self.body else None

    def get_data(self, as_text: bool = False) -> bytes | str:
        return self.body.decode(errors="replace") if as_text else self.body


class RemoteClient:
    """One client at `source` (a loopback address) talking to `base` (http://host:port)."""

    def __init__(self, base: str, source: str = "127.0.0.1"):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.source = source

    def get(self, path: str, **kwargs: Any) -> RemoteResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> RemoteResponse:
        return self.request("POST", path, **kwargs)

    def request(
        self, method: str, path: str, *, json: Any = None, headers: dict | None = None
    ) -> RemoteResponse:
        """One request on a new connection (what the app sees is then exactly one client)."""
        sent = dict(headers or {})
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=TIMEOUT, source_address=(self.source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return RemoteResponse(response.status, response.headers, response.read())
        finally:
            connection.close()
