"""A small typed client for Wardrobe API, built on `requests`.

It shows what a well-behaved client of this API does:

- logs in once and sends the access token as `Authorization: Bearer <token>`; for an account
  with one-time pins on, answers login's 401 `mfa_required` with a pin (the second step);
- when a call fails with 401 `token_expired`, refreshes the token pair ONCE and repeats the
  call (any other 401, or a second `token_expired`, is the caller's problem: looping would
  hide a revoked session);
- when the server answers 429, waits the `Retry-After` it sent and tries again, a bounded
  number of times (hammering a rate limit only extends it);
- turns every error into `ApiError`, carrying the RFC 9457 problem document, so callers
  branch on its stable `code`, never on `title` or `detail`.

Run it as a demo:  python examples/client.py [BASE_URL]   (or set WARDROBE_URL)
"""

from __future__ import annotations

import email.utils
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from json import dumps
from types import TracebackType
from typing import Any

import requests

DEFAULT_URL = "http://127.0.0.1:8000"
USER_AGENT = "wardrobe-example-client/1.0"


class ApiError(Exception):
    """The API answered with an error; `problem` is its whole problem document.

    `code` is the stable, machine-readable reason (e.g. `token_revoked`, `email_taken`);
    `retry_after` is the server's wait in seconds on a 429, else None.
    """

    def __init__(self, problem: dict[str, Any], *, retry_after: float | None = None):
        self.problem = problem
        self.status: int = int(problem.get("status", 0))
        self.code: str = str(problem.get("code", "unknown"))
        self.title: str = str(problem.get("title", ""))
        self.detail: str | None = problem.get("detail")
        self.retry_after = retry_after
        super().__init__(f"{self.status} {self.code}: {self.detail or self.title}")


@dataclass(frozen=True)
class Tokens:
    """The token pair of one session, as login and refresh return it."""

    access_token: str
    refresh_token: str
    expires_in: int


class WardrobeClient:
    """One user's connection to the API: at most one session (login) at a time.

    Use it as a context manager (or call `close`), so its pooled connections are closed.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        max_retry_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`max_attempts` bounds the tries of one call under 429; `max_retry_wait` caps one wait.

        `sleep` is how the client waits; a caller (or a test) may pass its own to observe it.
        """
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_wait = max_retry_wait
        self.tokens: Tokens | None = None
        self._sleep = sleep
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    def __enter__(self) -> WardrobeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- accounts and sessions -------------------------------------------------------------

    def register(self, email: str, password: str, name: str = "") -> dict[str, Any]:
        """Create an account. Raises ApiError: `email_taken` (409), `validation_error` (422)."""
        body = {"email": email, "password": password, "name": name}
        return self.request("POST", "/auth/register", json=body, auth=False)

    def login(self, email: str, password: str, *, pin: Callable[[], str] | None = None) -> Tokens:
        """Open a session; later calls carry its access token.

        For an account with one-time pins on, the password alone answers 401 `mfa_required`
        with an `mfa_token`: given `pin` (a function that reads the authenticator's current
        pin, asked only then), the second step is taken here; without it the ApiError is
        raised, and its `problem["mfa_token"]` goes to `login_second_step`.
        Raises ApiError: `invalid_credentials` (401), `mfa_required` (401, no `pin`),
        `mfa_invalid` (401, a wrong pin), or `rate_limited` (429) once the bounded retries
        are used up.
        """
        body = {"email": email, "password": password}
        try:
            answer = self.request("POST", "/auth/login", json=body, auth=False)
        except ApiError as error:
            if error.code != "mfa_required" or pin is None:
                raise
            return self.login_second_step(error.problem["mfa_token"], code=pin())
        self.tokens = _tokens(answer)
        return self.tokens

    def login_second_step(
        self, mfa_token: str, *, code: str | None = None, recovery_code: str | None = None
    ) -> Tokens:
        """Finish a login with a pin (or a recovery code): POST /auth/login/mfa.

        Raises ApiError: `mfa_invalid` (401: try another pin while the token lives, five
        tries), `token_invalid` (401: the mfa_token is used, expired or dead; log in again).
        """
        proof = {"code": code} if recovery_code is None else {"recovery_code": recovery_code}
        body = {"mfa_token": mfa_token, **proof}
        self.tokens = _tokens(self.request("POST", "/auth/login/mfa", json=body, auth=False))
        return self.tokens

    def refresh(self) -> Tokens:
        """Trade the refresh token for a new pair; the old refresh token is dead afterwards.

        Raises ApiError: `refresh_reused` or `token_revoked` (401) when the session has ended;
        the client then forgets its tokens, since none of them can work any more.
        """
        if self.tokens is None:
            raise RuntimeError("not logged in")
        try:
            body = self._send("POST", "/auth/refresh", None, self.tokens.refresh_token)
        except ApiError as error:
            if error.status == 401:
                self.tokens = None
            raise
        self.tokens = _tokens(body)
        return self.tokens

    def logout(self) -> None:
        """End this session on the server (its tokens stop working) and forget the tokens."""
        try:
            self.request("POST", "/auth/logout")
        finally:
            self.tokens = None

    def me(self) -> dict[str, Any]:
        return self.get("/auth/me")

    # -- any call ----------------------------------------------------------------------------

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def request(self, method: str, path: str, *, json: Any = None, auth: bool = True) -> Any:
        """Call the API; return the decoded JSON body (None for 204).

        With `auth`, the access token is sent, and refreshed once if it has expired.
        Raises ApiError: the server's problem document for any status >= 400.
        """
        access = self.tokens.access_token if auth and self.tokens else None
        try:
            return self._send(method, path, json, access)
        except ApiError as error:
            if not (access and error.code == "token_expired"):
                raise
        return self._send(method, path, json, self.refresh().access_token)

    # -- one HTTP exchange, with bounded 429 retries -----------------------------------------

    def _send(self, method: str, path: str, json: Any, token: str | None) -> Any:
        """Send until the answer is not 429, at most `max_attempts` times.

        Repeating is safe for any method, POST included: a 429 means the server did nothing.
        Raises ApiError: the last problem document when the answer is an error.
        """
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._exchange(method, path, json, headers)
            except ApiError as error:
                if error.status != 429 or attempt == self.max_attempts:
                    raise
                self._sleep(min(error.retry_after or 1.0, self.max_retry_wait))
        raise AssertionError("unreachable")  # the loop returns or raises

    def _exchange(self, method: str, path: str, json: Any, headers: dict[str, str]) -> Any:
        with self._http.request(
            method,
            self.base_url + path,
            json=json,
            headers=headers,
            timeout=self.timeout,
        ) as response:
            if response.status_code >= 400:
                raise ApiError(_problem_of(response), retry_after=_retry_after(response))
            if response.status_code == 204 or not response.content:
                return None
            return response.json()


def _tokens(body: dict[str, Any]) -> Tokens:
    return Tokens(body["access_token"], body["refresh_token"], int(body["expires_in"]))


def _problem_of(response: requests.Response) -> dict[str, Any]:
    """The problem document; a stand-in one if something in front of the API answered."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "code" in body:
        return body
    return {
        "type": "about:blank",
        "title": response.reason or "HTTP error",
        "status": response.status_code,
        "code": "unexpected_response",
        "detail": response.text[:200],
    }


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds: delay-seconds or an HTTP date (RFC 9110 allows both)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def demo(base_url: str) -> None:
    """Register (an existing account is fine), log in, show who we are, log out."""
    email = os.environ.get("WARDROBE_EMAIL", "demo@example.com")
    password = os.environ.get("WARDROBE_PASSWORD", "correct horse battery staple")
    with WardrobeClient(base_url) as client:
        try:
            client.register(email, password, name="Demo")
            print(f"registered {email}")
        except ApiError as error:
            if error.code != "email_taken":
                raise
            print(f"{email} already registered")
        client.login(email, password)
        print("GET /auth/me:")
        print(dumps(client.me(), indent=2))
        client.logout()
        print("logged out")


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WARDROBE_URL", DEFAULT_URL)
    try:
        demo(url)
    except ApiError as error:
        sys.exit(f"error: {error}")
