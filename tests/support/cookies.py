"""Cookie-transport logins for the tests: the cookies a browser would keep, sent by hand.

The tests use a client without a cookie jar and send exactly the cookies they mean to, so
each test says which cookie a request carries (a browser sends the refresh cookie to
/auth/refresh only: its Path).
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie

from tests.support.data import PASSWORD

ACCESS, REFRESH, CSRF = "wardrobe_access", "wardrobe_refresh", "wardrobe_csrf"


@dataclass(frozen=True)
class CookieSession:
    access: str
    refresh: str
    csrf: str

    def access_cookies(self) -> dict[str, str]:
        """What a browser sends to any path but /auth/refresh."""
        return {"Cookie": f"{ACCESS}={self.access}; {CSRF}={self.csrf}"}

    def refresh_cookies(self) -> dict[str, str]:
        """What a browser sends to /auth/refresh."""
        return {"Cookie": f"{ACCESS}={self.access}; {REFRESH}={self.refresh}; {CSRF}={self.csrf}"}

    def with_csrf(self, headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "X-CSRF-Token": self.csrf}


def set_cookies(response) -> dict[str, SimpleCookie]:
    """The Set-Cookie headers of `response`, by cookie name (each parsed with its attributes)."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.getlist("Set-Cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        (name,) = parsed.keys()
        found[name] = parsed
    return found


def session_from(response) -> CookieSession:
    cookies = set_cookies(response)
    return CookieSession(
        access=cookies[ACCESS][ACCESS].value,
        refresh=cookies[REFRESH][REFRESH].value,
        csrf=cookies[CSRF][CSRF].value,
    )


def cookie_login(client, email: str, password: str = PASSWORD) -> CookieSession:
    response = client.post(
        "/auth/login", json={"email": email, "password": password, "transport": "cookie"}
    )
    assert response.status_code == 200, response.get_json()
    session = session_from(response)
    assert response.get_json()["csrf_token"] == session.csrf
    return session
