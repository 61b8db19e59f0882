"""The web client at /app/ in Chromium: journeys a user and an admin make, and its defences.

One gunicorn (production mode) and one SMTP server for the module; every test opens a new
browser context (its own cookies). Every page must run with no console error, failed request
or CSP violation (`collect_problems`), except the answers a test provokes on purpose.
With WARDROBE_SCREENSHOTS=1 the journeys also refresh docs/screenshots/*.png.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import (
    TIMEOUT_MS,
    collect_problems,
    launched_chromium,
    screenshot_on_failure,
)
from tests.support.data import ITEM, PASSWORD
from tests.support.live_server import LiveServer, run_live_server
from tests.support.mail import SmtpServer, text_of, token_in
from tests.support.mfa import clear_of_step_boundary, pin
from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "docs" / "screenshots"
XSS_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[LiveServer]:
    with run_live_server(tmp_path_factory.mktemp("web"), MAIL_URL=smtp.url) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="module")
def admin(server: LiveServer) -> dict[str, str]:
    """An admin with one-time pins on (production wants a pin session for admin routes) and
    the bearer header of a pin session, to set up data over the API."""
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    server.flask("create-admin", email, "--password", PASSWORD)
    headers = {"Authorization": f"Bearer {api_login(server, email)['access_token']}"}
    started = requests.post(
        f"{server.url}/auth/mfa/totp",
        json={"current_password": PASSWORD},
        headers=headers,
        timeout=10,
    )
    secret = started.json()["secret"]
    clear_of_step_boundary()
    confirmed = requests.post(
        f"{server.url}/auth/mfa/totp/confirm",
        json={"code": pin(secret, -1)},
        headers=headers,
        timeout=10,
    )
    assert confirmed.status_code == 200, confirmed.text
    first = requests.post(
        f"{server.url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=10
    )
    second = requests.post(
        f"{server.url}/auth/login/mfa",
        json={"mfa_token": first.json()["mfa_token"], "code": pin(secret)},
        timeout=10,
    )
    assert second.status_code == 200, second.text
    return {"email": email, "Authorization": f"Bearer {second.json()['access_token']}"}


@pytest.fixture(scope="module")
def catalogue(server: LiveServer, admin: dict[str, str]) -> list[dict]:
    """Fifteen items (a page of the client is ten) and one whose name is markup."""
    headers = {"Authorization": admin["Authorization"]}
    names = [f"Shirt {number:02d}" for number in range(15)] + [XSS_NAME]
    return [
        requests.post(
            f"{server.url}/clothes", json={**ITEM, "name": name}, headers=headers, timeout=10
        ).json()
        for name in names
    ]


def api_login(server: LiveServer, email: str, password: str = PASSWORD) -> dict:
    reply = requests.post(
        f"{server.url}/auth/login", json={"email": email, "password": password}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def snap(page: Page, name: str, *, full_page: bool = False) -> None:
    """Refresh docs/screenshots/<name>.png when asked to (WARDROBE_SCREENSHOTS=1)."""
    if os.environ.get("WARDROBE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def sign_in(page: Page, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/app/#/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who")).to_contain_text(email)


def no_problems(page: Page, problems: list[str]) -> None:
    problems += page.evaluate("window.__cspViolations")
    assert problems == [], "\n".join(problems)


def test_a_user_registers_browses_and_ends_another_session(
    server: LiveServer, page: Page, catalogue: list[dict], tmp_path: Path
) -> None:
    email = f"user-{uuid.uuid4().hex[:8]}@example.com"
    problems = collect_problems(page)
    with screenshot_on_failure(page, tmp_path / "user-journey.png"):
        response = page.goto(f"{server.url}/app/#/register")
        assert response is not None and response.status == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "object-src 'none'" in csp
        snap(page, "register")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Name (optional)").fill("Ada")
        page.get_by_label("Password (8 to 128 characters)").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.locator("#who")).to_contain_text(email)

        # The catalogue, ten at a time, then the next page.
        rows = page.locator("#catalogue tbody tr")
        expect(rows).to_have_count(10)
        snap(page, "catalogue")
        page.get_by_role("button", name="Next page").click()
        expect(rows).to_have_count(len(catalogue))
        expect(page.locator("#next-page")).to_be_hidden()
        page.get_by_label("Name contains").fill("Shirt 1")
        page.get_by_role("button", name="Show").click()
        expect(rows).to_have_count(5)

        # The access token is out of the page's reach; the CSRF token is not (it must send it).
        cookies = page.evaluate("document.cookie")
        assert "wardrobe_access" not in cookies and "wardrobe_csrf=" in cookies
        kept = {cookie["name"]: cookie for cookie in page.context.cookies()}
        assert kept["wardrobe_access"]["httpOnly"] and kept["wardrobe_access"]["secure"]
        assert kept["wardrobe_access"]["sameSite"] == "Strict"

        # An outfit of two catalogue items, private to this user.
        page.get_by_role("link", name="My outfits").click()
        page.get_by_label("Outfit name").fill("Sunday brunch")
        page.get_by_label("Shirt 01").check()
        page.get_by_label("Shirt 02").check()
        page.get_by_role("button", name="Create outfit").click()
        outfit = page.locator("#outfits tbody tr")
        expect(outfit).to_have_count(1)
        expect(outfit.locator("td.name")).to_have_text("Sunday brunch")
        expect(outfit).to_contain_text("Shirt 01, Shirt 02")
        expect(outfit).to_contain_text("private")
        snap(page, "outfits", full_page=True)

        # Inside the token: the claims, read by the server for the page.
        page.get_by_role("link", name="Inside the token").click()
        expect(page.locator("#claims")).to_contain_text("transport = cookie")
        expect(page.locator("#claims")).to_contain_text("role = user")
        snap(page, "token")

        # Another session of the same user (a phone, say), ended from here.
        other = api_login(server, email)["access_token"]
        page.get_by_role("link", name="My sessions").click()
        expect(page.locator("#sessions tbody tr")).to_have_count(2)
        snap(page, "sessions")
        page.locator("#sessions tbody tr:not(.current) button").click()
        expect(page.locator("#sessions tbody tr")).to_have_count(1)
        reply = requests.get(
            f"{server.url}/auth/me", headers={"Authorization": f"Bearer {other}"}, timeout=10
        )
        assert reply.status_code == 401 and reply.json()["code"] == "token_revoked"
        no_problems(page, problems)


def test_an_admin_turns_pins_on_signs_in_with_one_and_edits_an_item(
    server: LiveServer, page: Page, catalogue: list[dict], tmp_path: Path
) -> None:
    item_id = catalogue[0]["id"]
    email = f"editor-{uuid.uuid4().hex[:8]}@example.com"
    server.flask("create-admin", email, "--password", PASSWORD)
    problems = collect_problems(page)
    with screenshot_on_failure(page, tmp_path / "admin-journey.png"):
        # Signed in with the password only, the admin turns one-time pins on.
        sign_in(page, server, email)

        page.get_by_role("link", name="Security").click()
        page.locator("#enrolment").wait_for(state="attached")
        page.get_by_label("Current password").last.fill(PASSWORD)
        page.get_by_role("button", name="Set up one-time pins").click()
        expect(page.locator("#qr")).to_be_visible()
        assert page.eval_on_selector("#qr", "img => img.naturalWidth") > 0
        secret = page.locator("#secret").inner_text()
        snap(page, "security", full_page=True)
        clear_of_step_boundary(8)
        page.get_by_label("Pin from the app").fill(pin(secret, -1))
        page.get_by_role("button", name="Turn pins on").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)

        page.locator("#sign-out").click()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code from your authenticator app (or a recovery code)").fill(pin(secret))
        page.get_by_role("button", name="Verify").click()
        expect(page.locator("#who")).to_contain_text(f"{email} (admin)")
        # The first step's 401 mfa_required is the answer that asks for the pin; the browser
        # logs every 4xx fetch, so that one line is expected.
        expected = [line for line in problems if "status of 401" in line]
        assert len(expected) == 1, problems
        problems.remove(expected[0])

        page.locator(f'#catalogue tr[data-id="{item_id}"] a').click()
        expect(page.get_by_role("heading")).to_have_text(f"Edit item {item_id}")
        page.get_by_label("Name", exact=True).fill("Renamed shirt")
        snap(page, "item-editor")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".ok")).to_have_text("Saved.")
        page.get_by_role("link", name="Inside the token").click()
        expect(page.locator("#claims")).to_contain_text("amr = pwd, otp")
        page.get_by_role("link", name="Catalogue").click()
        expect(page.locator(f'#catalogue tr[data-id="{item_id}"] td.name')).to_have_text(
            "Renamed shirt"
        )
        no_problems(page, problems)


def test_a_user_is_told_which_question_failed(
    server: LiveServer, page: Page, catalogue: list[dict], tmp_path: Path
) -> None:
    """A 401 (who are you?) and a 403 (what may you do?) look and read differently."""
    email = f"curious-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(
        f"{server.url}/auth/register", json={"email": email, "password": PASSWORD}, timeout=10
    )
    with screenshot_on_failure(page, tmp_path / "problems.png"):
        page.goto(f"{server.url}/app/#/sessions")
        expect(page.locator(".problem")).to_contain_text("401")
        expect(page.locator(".problem")).to_contain_text("Who are you?")
        sign_in(page, server, email)
        page.goto(f"{server.url}/app/#/item/new")
        expect(page.get_by_role("heading")).to_have_text("New item")
        page.get_by_label("Name", exact=True).fill("Not mine to add")
        page.get_by_label("Colour", exact=True).fill("Red")
        page.get_by_label("Price", exact=True).fill("10")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".problem")).to_contain_text("403")
        expect(page.locator(".problem")).to_contain_text("What may you do?")
        expect(page.locator(".problem")).to_contain_text("forbidden")
        snap(page, "forbidden", full_page=True)
        # An object that is not there (or not yours): the third question.
        page.goto(f"{server.url}/app/#/item/2147483000")
        expect(page.locator(".problem")).to_contain_text("404")
        expect(page.locator(".problem")).to_contain_text("May you touch this object?")


def test_a_forgotten_password_is_reset_from_the_mailed_link(
    server: LiveServer, page: Page, smtp: SmtpServer, tmp_path: Path
) -> None:
    email = f"forgetful-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(
        f"{server.url}/auth/register", json={"email": email, "password": PASSWORD}, timeout=10
    )
    new_password = "a brand new passphrase"
    problems = collect_problems(page)
    with screenshot_on_failure(page, tmp_path / "reset.png"):
        page.goto(f"{server.url}/app/#/login")
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Mail me a link").click()
        expect(page.locator(".ok")).to_contain_text("If an active account has this email")
        server.flask("mail", "deliver")
        mails = [m for m in smtp.messages if m["To"] == email and "reset" in text_of(m).lower()]
        assert mails, [m["Subject"] for m in smtp.messages]
        token = token_in(text_of(mails[-1]))
        assert f"/reset-password#token={token}" in text_of(mails[-1])

        page.goto(f"{server.url}/reset-password#token={token}")
        page.get_by_label("New password").fill(new_password)
        page.get_by_role("button", name="Set password").click()
        expect(page.locator(".ok")).to_contain_text("Your password is set")
        page.locator("#to-login").click()
        sign_in(page, server, email, new_password)
        no_problems(page, problems)


def test_an_item_named_like_markup_is_shown_as_text(
    server: LiveServer, page: Page, catalogue: list[dict], tmp_path: Path
) -> None:
    email = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(
        f"{server.url}/auth/register", json={"email": email, "password": PASSWORD}, timeout=10
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    problems = collect_problems(page)
    with screenshot_on_failure(page, tmp_path / "xss.png"):
        sign_in(page, server, email)
        page.get_by_label("Name contains").fill("<img")
        page.get_by_role("button", name="Show").click()
        name = page.locator("#catalogue tbody td.name")
        expect(name).to_have_count(1)
        expect(name).to_have_text(XSS_NAME)
        assert page.locator("#catalogue img").count() == 0
        assert dialogs == []
        no_problems(page, problems)


class _Attacker(BaseHTTPRequestHandler):
    """Another origin's page: a form that posts to the API as soon as it loads."""

    target = ""

    def do_GET(self) -> None:
        page = (
            f'<form id="f" method="post" action="{self.target}"></form>'
            '<script>document.getElementById("f").submit()</script>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def attacker(server: LiveServer) -> Iterator[str]:
    _Attacker.target = f"{server.url}/auth/logout-all"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_a_form_on_another_origin_cannot_end_the_session(
    server: LiveServer, page: Page, attacker: str, tmp_path: Path
) -> None:
    """127.0.0.1 on another port is another origin but the same site, so SameSite lets the
    cookies go: the CSRF token is what refuses the request."""
    email = f"target-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(
        f"{server.url}/auth/register", json={"email": email, "password": PASSWORD}, timeout=10
    )
    with screenshot_on_failure(page, tmp_path / "csrf.png"):
        sign_in(page, server, email)
        with page.expect_response(f"{server.url}/auth/logout-all") as posted:
            page.goto(attacker)
        assert posted.value.status == 403
        assert posted.value.json()["code"] == "csrf_failed"
        page.goto(f"{server.url}/app/#/sessions")
        expect(page.locator("#sessions tbody tr")).to_have_count(1)
        expect(page.locator("#who")).to_contain_text(email)
