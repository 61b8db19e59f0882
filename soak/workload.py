"""What one soak client process does until its deadline, and what it saw.

A client is a user or an admin. Both register and log in, read /clothes and /clothes/{id},
refresh, log out and probe tokens they know to be dead; an admin also creates, patches and
deletes items; a user also asks for password resets (its own email, or an unknown one) and
counts the mail each accepted registration and reset must cause. Every answer is recorded
as (time, label, status), status 0 meaning the connection broke. Invariants are checked as
the client goes:

- after a logout (204), the logged-out access token gets 401 on its very next use;
- after a refresh (200), the rotated-out refresh token is refused whenever it is presented
  (the probe is reuse, which ends the session, so the client then checks that the session's
  newest access token is dead too, and logs in again);
- a revoked token, probed again at any later moment, is still refused.

Any 2xx for a dead token is a violation. The items whose creation got a 201 are returned
with every content they may hold now (a patch whose answer was lost may or may not have
landed), for the final read-back.
"""

from __future__ import annotations

import base64
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import requests

PASSWORD = "soak test passphrase 1234"
TIMEOUT = 10
CATEGORIES = ["tops", "bottoms", "dresses", "outerwear", "shoes", "accessories"]
SIZES = ["XS", "S", "M", "L", "XL"]
ITEM_FIELDS = ("name", "category", "size", "color", "price", "stock", "description")


@dataclass
class Report:
    """Everything a client hands back to the orchestrator (plain data: it crosses processes)."""

    records: list[tuple[float, str, int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # item id -> every content it may legitimately hold; ids this client deleted (204).
    items: dict[int, list[dict]] = field(default_factory=dict)
    deleted: list[int] = field(default_factory=list)
    # Tokens that must be refused from now on: (kind, token, why).
    dead_tokens: list[tuple[str, str, str]] = field(default_factory=list)
    revocation_probes: int = 0
    # The first answer of each unexpected status (not 2xx, 401 or 404), to explain it.
    samples: dict[int, str] = field(default_factory=dict)
    # email -> how many messages to it were accepted (201 register, 202 password reset): the
    # outbox must hold at least that many for it, each delivered exactly once.
    mail_expected: dict[str, int] = field(default_factory=dict)


class Client:
    def __init__(self, base: str, number: int, admin: tuple[str, str] | None, seed: int):
        self.base = base
        self.number = number
        self.admin = admin
        self.random = random.Random(seed)
        self.http = requests.Session()
        self.report = Report()
        self.email = ""
        self.password = PASSWORD
        self.access = ""
        self.refresh = ""
        self.known_ids: list[int] = []
        self.accounts = 0

    # HTTP --------------------------------------------------------------------------------

    def call(self, method: str, path: str, label: str, token: str = "", **kwargs: Any):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self.http.request(
                method, self.base + path, headers=headers, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException:
            self.report.records.append((time.time(), label, 0))
            self.http = requests.Session()  # the broken connection must not be reused
            return None
        self.report.records.append((time.time(), label, response.status_code))
        if response.status_code not in (401, 404) and response.status_code >= 300:
            self.report.samples.setdefault(
                response.status_code,
                f"{label}: {response.text[:300].strip()} sent {kwargs.get('json')}",
            )
        return response

    # Accounts and tokens ------------------------------------------------------------------

    def log_in(self) -> bool:
        if self.admin:
            self.email, self.password = self.admin
        elif not self.email:
            self.register()
        response = self.call(
            "POST",
            "/auth/login",
            "POST /auth/login",
            json={"email": self.email, "password": self.password},
        )
        if response is None or response.status_code != 200:
            return False
        tokens = response.json()
        self.access, self.refresh = tokens["access_token"], tokens["refresh_token"]
        return True

    def register(self) -> None:
        self.accounts += 1
        email = f"soak-{self.number}-{self.accounts}-{self.random.getrandbits(32)}@example.com"
        body = {"email": email, "password": PASSWORD, "name": f"Soak {self.number}"}
        response = self.call("POST", "/auth/register", "POST /auth/register", json=body)
        if response is not None and response.status_code == 201:
            self.email = email
            self.expect_mail(email)

    def expect_mail(self, email: str) -> None:
        self.report.mail_expected[email] = self.report.mail_expected.get(email, 0) + 1

    def request_reset(self) -> None:
        """Ask for a reset link: for this account (mail expected) or an unknown email (none)."""
        mine = self.random.random() < 0.7
        email = self.email if mine else f"nobody-{self.random.getrandbits(32)}@example.com"
        response = self.call(
            "POST", "/auth/password-reset", "POST /auth/password-reset", json={"email": email}
        )
        if mine and response is not None and response.status_code == 202:
            self.expect_mail(email)

    def expect_refused(self, kind: str, token: str, why: str) -> None:
        """Present a dead token; anything but a refusal (or an outage answer) is a violation."""
        self.report.revocation_probes += 1
        if kind == "access":
            response = self.call("GET", "/auth/me", "probe dead access", token)
        else:
            response = self.call("POST", "/auth/refresh", "probe dead refresh", token)
        if response is not None and response.status_code < 300:
            self.report.violations.append(
                f"client {self.number}: a {kind} token dead since {why} got "
                f"{response.status_code} at {time.time():.3f}"
            )

    def log_out(self) -> None:
        access, refresh = self.access, self.refresh
        response = self.call("POST", "/auth/logout", "POST /auth/logout", access)
        if response is not None and response.status_code == 204:
            self.expect_refused("access", access, "its logout")
            self.report.dead_tokens += [
                ("access", access, "logout"),
                ("refresh", refresh, "logout"),
            ]
        self.access = ""

    def rotate(self) -> None:
        old = self.refresh
        response = self.call("POST", "/auth/refresh", "POST /auth/refresh", old)
        if response is None or response.status_code != 200:
            if response is not None and response.status_code == 401:
                self.access = ""
            return
        tokens = response.json()
        self.access, self.refresh = tokens["access_token"], tokens["refresh_token"]
        if self.random.random() < 0.3:
            # Reuse: refused, and the whole session ends, its newest tokens included.
            self.expect_refused("refresh", old, "its rotation")
            self.expect_refused("access", self.access, "its session's refresh was reused")
            self.report.dead_tokens.append(("refresh", self.refresh, "reuse of an older one"))
            self.access = ""
        self.report.dead_tokens.append(("refresh", old, "its rotation"))

    def probe_a_dead_token(self) -> None:
        if not self.report.dead_tokens:
            return
        kind, token, why = self.random.choice(self.report.dead_tokens)
        self.expect_refused(kind, token, why)
        if kind == "refresh" and self.access and session_of(token) == session_of(self.access):
            # That was reuse within the live session: it must have ended, newest tokens too.
            self.expect_refused("access", self.access, "its session's refresh was reused")
            self.report.dead_tokens.append(("refresh", self.refresh, "reuse of an older one"))
            self.access = ""

    # Catalogue ----------------------------------------------------------------------------

    def read_list(self) -> None:
        query = self.random.choice(
            ["?limit=20", "?limit=50&sort=-id", "?category=tops", "?sort=price&limit=10"]
        )
        response = self.call("GET", "/clothes" + query, "GET /clothes", self.access)
        if response is not None and response.status_code == 200:
            ids = [item["id"] for item in response.json()["items"]]
            self.known_ids = (ids + self.known_ids)[:200]
        self.drop_session_on_401(response)

    def read_item(self) -> None:
        if not self.known_ids:
            return self.read_list()
        item_id = self.random.choice(self.known_ids)
        response = self.call("GET", f"/clothes/{item_id}", "GET /clothes/{id}", self.access)
        self.drop_session_on_401(response)

    def create_item(self) -> None:
        content = self.item_content()
        response = self.call("POST", "/clothes", "POST /clothes", self.access, json=content)
        if response is not None and response.status_code == 201:
            created = response.json()
            self.report.items[created["id"]] = [{key: created[key] for key in ITEM_FIELDS}]
            self.known_ids.insert(0, created["id"])
        self.drop_session_on_401(response)

    def patch_item(self) -> None:
        mine = [i for i in self.report.items if i not in self.report.deleted]
        if not mine:
            return self.create_item()
        item_id = self.random.choice(mine)
        change = {
            "stock": self.random.randint(0, 500),
            "color": f"shade {self.random.random():.6f}",
        }
        response = self.call(
            "PATCH", f"/clothes/{item_id}", "PATCH /clothes/{id}", self.access, json=change
        )
        contents = self.report.items[item_id]
        if response is not None and response.status_code == 200:
            body = response.json()
            self.report.items[item_id] = [{key: body[key] for key in ITEM_FIELDS}]
        elif response is None or response.status_code >= 500:
            # Lost answer: it may have landed or not.
            contents += [{**content, **change} for content in contents]
        self.drop_session_on_401(response)

    def delete_item(self) -> None:
        mine = [i for i in self.report.items if i not in self.report.deleted]
        if not mine:
            return
        item_id = self.random.choice(mine)
        response = self.call("DELETE", f"/clothes/{item_id}", "DELETE /clothes/{id}", self.access)
        if response is None or response.status_code in (204, 500, 502, 503):
            self.report.deleted.append(item_id)  # gone, or maybe gone: not read back
        self.drop_session_on_401(response)

    def item_content(self) -> dict:
        pick = self.random.choice
        return {
            "name": f"Soak item {self.number}-{self.random.getrandbits(40)}",
            "category": pick(CATEGORIES),
            "size": pick(SIZES),
            "color": pick(["red", "navy", "olive", "ecru"]),
            "price": f"{self.random.randint(0, 99_999) / 100:.2f}",
            "stock": self.random.randint(0, 100),
            "description": pick(["", "Soft.", "Ünïcödé ✓ description", "x" * 300]),
        }

    def drop_session_on_401(self, response: requests.Response | None) -> None:
        if response is not None and response.status_code == 401:
            self.access = ""

    # The loop -----------------------------------------------------------------------------

    def run(self, deadline: float) -> Report:
        user_ops = [
            (self.read_list, 30),
            (self.read_item, 25),
            (self.rotate, 8),
            (self.log_out, 4),
            (self.probe_a_dead_token, 6),
            (lambda: self.call("GET", "/auth/me", "GET /auth/me", self.access), 5),
        ]
        if self.admin:
            user_ops += [(self.create_item, 12), (self.patch_item, 8), (self.delete_item, 3)]
        else:
            user_ops += [(self.switch_account, 2), (self.request_reset, 3)]
        operations, weights = zip(*user_ops, strict=True)
        while time.time() < deadline:
            if not self.access and not self.log_in():
                time.sleep(0.05)
                continue
            self.random.choices(operations, weights)[0]()
        return self.report

    def switch_account(self) -> None:
        """A new user registers and takes over this client (register is part of the mix)."""
        self.log_out()
        self.email = ""


def session_of(token: str) -> int | None:
    """The `sid` claim, read without verifying (the client only sorts its own tokens)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


def run_client(base: str, number: int, admin: tuple[str, str] | None, deadline: float) -> Report:
    """The entry point of a client process."""
    return Client(base, number, admin, seed=number).run(deadline)
