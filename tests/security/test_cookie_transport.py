"""The cookie transport: tokens in HttpOnly cookies, a CSRF token bound to the session.

Every request here goes through a client without a cookie jar, with exactly the cookies a
browser would send (tests/support/cookies.py), so each test says what travels.
"""

from __future__ import annotations

import re

import pytest

from tests.support.cookies import (
    ACCESS,
    CSRF,
    REFRESH,
    CookieSession,
    cookie_login,
    session_from,
    set_cookies,
)
from tests.support.data import ITEM, PASSWORD
from tests.support.database import sql_statements
from tests.support.http import assert_problem, bearer
from tests.support.mfa import (
    clear_of_step_boundary,
    enrolled_user,
    first_step,
    forget_last_step,
    pin,
)
from tests.support.openapi import operations

UNSAFE = {"post", "put", "patch", "delete"}


@pytest.fixture
def jarless(app):
    return app.test_client(use_cookies=False)


@pytest.fixture
def admin_cookies(jarless, admin) -> CookieSession:
    return cookie_login(jarless, admin.email)


@pytest.fixture
def user_cookies(jarless, user) -> CookieSession:
    return cookie_login(jarless, user.email)


def unsafe_operations(client) -> list[tuple[str, str]]:
    """(method, path) of every operation a cookie session can call that may change state.

    Introspection is left out: its caller is a service with client credentials, not a token.
    """
    document = client.get("/openapi.json").get_json()
    return [
        (method, re.sub(r"\{[^}]+\}", "1", path))
        for method, path, operation in operations(document)
        if method in UNSAFE and any("cookieAuth" in option for option in operation["security"])
    ]


def test_cookie_login_answers_no_token_and_sets_three_strict_cookies(jarless, user):
    response = jarless.post(
        "/auth/login", json={"email": user.email, "password": PASSWORD, "transport": "cookie"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token_type", "expires_in", "csrf_token"}
    assert body["token_type"] == "cookie" and body["expires_in"] == 900
    cookies = set_cookies(response)
    assert set(cookies) == {ACCESS, REFRESH, CSRF}
    access, refresh, csrf = cookies[ACCESS][ACCESS], cookies[REFRESH][REFRESH], cookies[CSRF][CSRF]
    assert access["httponly"] and access["path"] == "/"
    assert refresh["httponly"] and refresh["path"] == "/auth/refresh"
    assert not csrf["httponly"] and csrf["path"] == "/" and csrf.value == body["csrf_token"]
    for morsel in (access, refresh, csrf):
        assert morsel["samesite"] == "Strict"
        assert not morsel["secure"]  # testing serves plain HTTP; production says Secure
    assert response.headers["Cache-Control"] == "no-store"


def test_production_cookies_are_secure(app, jarless, user):
    app.config["AUTH_COOKIE_SECURE"] = True
    response = jarless.post(
        "/auth/login", json={"email": user.email, "password": PASSWORD, "transport": "cookie"}
    )
    assert all(cookie[name]["secure"] for name, cookie in set_cookies(response).items())


def test_production_config_says_secure():
    from config import DevelopmentConfig, ProductionConfig

    assert ProductionConfig.AUTH_COOKIE_SECURE is True
    assert DevelopmentConfig.AUTH_COOKIE_SECURE is False


@pytest.mark.parametrize("transport", [None, "body"])
def test_body_transport_is_unchanged(jarless, user, transport):
    body = {"email": user.email, "password": PASSWORD}
    if transport:
        body["transport"] = transport
    response = jarless.post("/auth/login", json=body)
    assert response.status_code == 200
    assert set(response.get_json()) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert response.headers.getlist("Set-Cookie") == []


def test_an_unknown_transport_is_a_422(jarless, user):
    response = jarless.post(
        "/auth/login", json={"email": user.email, "password": PASSWORD, "transport": "carrier"}
    )
    assert assert_problem(response, 422, "validation_error")["errors"]["transport"]


def test_safe_methods_need_no_csrf_token(jarless, user_cookies, user):
    response = jarless.get("/auth/me", headers=user_cookies.access_cookies())
    assert response.status_code == 200 and response.get_json()["email"] == user.email
    listed = jarless.get("/clothes?limit=20", headers=user_cookies.access_cookies())
    assert listed.status_code == 200


def test_every_unsafe_operation_refuses_a_missing_or_wrong_csrf_token(jarless, admin_cookies):
    targets = unsafe_operations(jarless)
    assert len(targets) >= 10
    wrong = admin_cookies.csrf[:-2] + ("AA" if not admin_cookies.csrf.endswith("AA") else "BB")
    for method, path in targets:
        cookies = (
            admin_cookies.refresh_cookies()
            if path == "/auth/refresh"
            else admin_cookies.access_cookies()
        )
        for extra in ({}, {"X-CSRF-Token": wrong}, {"X-CSRF-Token": ""}):
            response = jarless.open(path, method=method, json=ITEM, headers={**cookies, **extra})
            body = assert_problem(response, 403, "csrf_failed")
            assert "X-CSRF-Token" in body["detail"], (method, path)
    # Nothing happened: the session stands, the catalogue is empty, the password is the same.
    assert jarless.get("/auth/me", headers=admin_cookies.access_cookies()).status_code == 200
    listed = jarless.get("/clothes", headers=admin_cookies.access_cookies()).get_json()
    assert listed["items"] == []
    cookie_login(jarless, "admin@example.com")


def test_the_csrf_token_is_bound_to_the_session(jarless, user, make_user):
    mine = cookie_login(jarless, user.email)
    other = cookie_login(jarless, make_user().email)
    # Another session's token, even sent in both cookie and header, is refused.
    forged = {"Cookie": f"{ACCESS}={mine.access}; {CSRF}={other.csrf}", "X-CSRF-Token": other.csrf}
    assert_problem(jarless.post("/auth/logout", headers=forged), 403, "csrf_failed")
    made_up = {"Cookie": f"{ACCESS}={mine.access}; {CSRF}=x", "X-CSRF-Token": "x"}
    assert_problem(jarless.post("/auth/logout", headers=made_up), 403, "csrf_failed")
    assert jarless.get("/auth/me", headers=mine.access_cookies()).status_code == 200


def test_the_right_csrf_token_lets_a_cookie_session_write(jarless, admin_cookies):
    headers = admin_cookies.with_csrf(admin_cookies.access_cookies())
    response = jarless.post("/clothes", json=ITEM, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["name"] == ITEM["name"]


def test_a_header_is_judged_alone_and_beats_any_cookie(jarless, user, login, user_cookies):
    token = login(user)["access_token"]
    garbage = {"Cookie": f"{ACCESS}=garbage; {CSRF}=garbage"}
    assert jarless.get("/auth/me", headers={**bearer(token), **garbage}).status_code == 200
    # A bearer request needs no CSRF token, whatever cookies come with it.
    response = jarless.post("/auth/logout", headers={**bearer(token), **garbage})
    assert response.status_code == 204
    assert response.headers.getlist("Set-Cookie") == [] or all(
        "Max-Age=0" in header for header in response.headers.getlist("Set-Cookie")
    )
    # A bad header is a 401 even with a perfectly good cookie session beside it.
    with_cookie = {**bearer("garbage"), **user_cookies.with_csrf(user_cookies.access_cookies())}
    assert_problem(jarless.get("/auth/me", headers=with_cookie), 401, "token_invalid")
    empty = {"Authorization": "", **user_cookies.access_cookies()}
    assert jarless.get("/auth/me", headers=empty).status_code == 401


def test_a_refresh_token_cookie_is_not_an_access_token(jarless, user_cookies):
    wrong = {"Cookie": f"{ACCESS}={user_cookies.refresh}"}
    assert_problem(jarless.get("/auth/me", headers=wrong), 401, "wrong_token_type")


def test_no_cookie_and_no_header_is_token_missing(jarless):
    assert_problem(jarless.get("/auth/me"), 401, "token_missing")


def test_refresh_rotates_the_cookies(jarless, user_cookies):
    response = jarless.post(
        "/auth/refresh", headers=user_cookies.with_csrf(user_cookies.refresh_cookies())
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "cookie" and "access_token" not in body
    rotated = session_from(response)
    assert rotated.refresh != user_cookies.refresh and rotated.access != user_cookies.access
    assert rotated.csrf == body["csrf_token"] == user_cookies.csrf  # one token per session
    assert jarless.get("/auth/me", headers=rotated.access_cookies()).status_code == 200


def test_refresh_needs_the_csrf_token(jarless, user_cookies):
    response = jarless.post("/auth/refresh", headers=user_cookies.refresh_cookies())
    assert_problem(response, 403, "csrf_failed")
    # The refused attempt rotated nothing: the refresh cookie still works.
    again = jarless.post(
        "/auth/refresh", headers=user_cookies.with_csrf(user_cookies.refresh_cookies())
    )
    assert again.status_code == 200


def test_refresh_reuse_through_cookies_ends_the_session(jarless, user_cookies):
    first = jarless.post(
        "/auth/refresh", headers=user_cookies.with_csrf(user_cookies.refresh_cookies())
    )
    rotated = session_from(first)
    replay = jarless.post(
        "/auth/refresh", headers=user_cookies.with_csrf(user_cookies.refresh_cookies())
    )
    assert_problem(replay, 401, "refresh_reused")
    assert_problem(jarless.get("/auth/me", headers=rotated.access_cookies()), 401, "token_revoked")
    again = jarless.post("/auth/refresh", headers=rotated.with_csrf(rotated.refresh_cookies()))
    assert_problem(again, 401, "token_revoked")


@pytest.mark.parametrize("path", ["/auth/logout", "/auth/logout-all"])
def test_logout_clears_every_cookie_on_its_path_and_ends_the_session(jarless, user, path):
    other = cookie_login(jarless, user.email)
    session = cookie_login(jarless, user.email)
    response = jarless.post(path, headers=session.with_csrf(session.access_cookies()))
    assert response.status_code == 204
    cleared = set_cookies(response)
    assert set(cleared) == {ACCESS, REFRESH, CSRF}
    paths = {ACCESS: "/", REFRESH: "/auth/refresh", CSRF: "/"}
    for name, cookie in cleared.items():
        assert cookie[name].value == "" and cookie[name]["max-age"] == "0"
        assert cookie[name]["path"] == paths[name]
    assert_problem(jarless.get("/auth/me", headers=session.access_cookies()), 401, "token_revoked")
    other_result = jarless.get("/auth/me", headers=other.access_cookies()).status_code
    assert other_result == (200 if path == "/auth/logout" else 401)


def test_a_bearer_logout_sets_no_cookie(jarless, user, login):
    token = login(user)["access_token"]
    response = jarless.post("/auth/logout", headers=bearer(token))
    assert response.status_code == 204 and response.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("transport", ["header", "cookie"])
def test_token_info_returns_the_verified_claims(jarless, user, login, transport):
    if transport == "header":
        headers = bearer(login(user)["access_token"])
    else:
        headers = cookie_login(jarless, user.email).access_cookies()
    response = jarless.get("/auth/token-info", headers=headers)
    assert response.status_code == 200
    claims = response.get_json()
    assert claims["sub"] == str(user.id) and claims["role"] == "user"
    assert claims["type"] == "access" and claims["transport"] == transport
    assert claims["amr"] == ["pwd"]
    assert claims["exp"] - claims["iat"] == 900 and claims["sid"] >= 1 and claims["jti"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("who", ["anonymous", "user", "admin"])
def test_token_info_needs_an_access_token(jarless, who, user_headers, admin_headers):
    headers = {"anonymous": {}, "user": user_headers, "admin": admin_headers}[who]
    response = jarless.get("/auth/token-info", headers=headers)
    if who == "anonymous":
        assert_problem(response, 401, "token_missing")
    else:
        assert response.get_json()["role"] == who


def test_a_stale_role_is_refused_the_same_way_by_cookie(jarless, user_cookies, user, admin_headers):
    promoted = jarless.patch(f"/users/{user.id}", json={"role": "admin"}, headers=admin_headers)
    assert promoted.status_code == 200
    response = jarless.get("/auth/me", headers=user_cookies.access_cookies())
    assert_problem(response, 401, "token_stale")


def test_the_cookie_costs_the_same_statements_and_a_forgery_costs_none(
    app, jarless, user, login, user_cookies
):
    token = login(user)["access_token"]
    for path in ("/auth/me", "/clothes?limit=20"):
        jarless.get(path, headers=bearer(token))  # warm: the first use of a token fills caches
        jarless.get(path, headers=user_cookies.access_cookies())
        with sql_statements(app) as by_header:
            assert jarless.get(path, headers=bearer(token)).status_code == 200
        with sql_statements(app) as by_cookie:
            assert jarless.get(path, headers=user_cookies.access_cookies()).status_code == 200
        assert by_cookie == by_header, path
    # The CSRF check runs before the session is looked up: a forged request reads nothing.
    with sql_statements(app) as forged:
        response = jarless.post("/auth/logout-all", headers=user_cookies.access_cookies())
    assert_problem(response, 403, "csrf_failed")
    assert forged == []


def test_the_second_step_of_a_pin_login_sets_the_cookies(app, jarless, client, user):
    enrolled = enrolled_user(client, user)
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    mfa_token = first_step(jarless, user.email)
    response = jarless.post(
        "/auth/login/mfa",
        json={"mfa_token": mfa_token, "code": pin(enrolled.secret), "transport": "cookie"},
    )
    assert response.status_code == 200, response.get_json()
    assert set(response.get_json()) == {"token_type", "expires_in", "csrf_token"}
    session = session_from(response)
    info = jarless.get("/auth/token-info", headers=session.access_cookies()).get_json()
    assert info["amr"] == ["pwd", "otp"] and info["transport"] == "cookie"
    # A refresh through the cookies keeps how the login was proven.
    refreshed = jarless.post("/auth/refresh", headers=session.with_csrf(session.refresh_cookies()))
    rotated = session_from(refreshed)
    again = jarless.get("/auth/token-info", headers=rotated.access_cookies()).get_json()
    assert again["amr"] == ["pwd", "otp"]


@pytest.mark.parametrize("app_overrides", [{"ADMIN_MFA_REQUIRED": True}])
def test_an_admin_route_wants_a_pin_session_by_cookie_too(jarless, admin_cookies):
    response = jarless.get("/users", headers=admin_cookies.access_cookies())
    assert_problem(response, 403, "mfa_session_required")
