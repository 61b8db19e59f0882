"""Swagger UI at /docs in a real browser: it renders under the strict CSP, and it works.

Playwright drives Debian's Chromium (`make e2e` installs it; Playwright's own browser
download is not possible here). The test does what a reader of the docs would: open /docs,
authorize with a bearer token, or log in with email and password through the OAuth 2
password flow (POST /auth/token), try a protected operation and see 200. Any console error,
page error, failed request or Content-Security-Policy violation fails it, so a change to
DOCS_CSP (app/apidocs/routes.py) that breaks the UI is caught here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Locator, Page

from tests.support.browser import (
    TIMEOUT_MS,
    collect_problems,
    launched_chromium,
    screenshot_on_failure,
)
from tests.support.data import PASSWORD
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

# The catalogue read: any active user may call it, so a user token gets 200.
OPERATION = ("GET", "/clothes")
# Admins only: the password flow's token must carry the role.
ADMIN_OPERATION = ("GET", "/users")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def access_token(live_server: LiveServer) -> str:
    """A new user's access token, obtained over HTTP as any API client would."""
    credentials = {"email": f"ui-{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD}
    with requests.post(f"{live_server.url}/auth/register", json=credentials, timeout=10) as reply:
        assert reply.status_code == 201, reply.text
    with requests.post(f"{live_server.url}/auth/login", json=credentials, timeout=10) as reply:
        assert reply.status_code == 200, reply.text
        return reply.json()["access_token"]


def document_paths(server: LiveServer) -> set[str]:
    with requests.get(f"{server.url}/openapi.json", timeout=10) as reply:
        return set(reply.json()["paths"])


def test_swagger_ui_authorizes_and_tries_an_operation(
    live_server: LiveServer, page: Page, access_token: str, tmp_path: Path
) -> None:
    method, path = OPERATION
    problems = collect_problems(page)

    with screenshot_on_failure(page, tmp_path / "swagger-ui-failure.png"):
        response = page.goto(f"{live_server.url}/docs")
        assert response is not None and response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]

        page.locator(".opblock").first.wait_for()
        shown = set(
            page.locator(".opblock-summary-path").evaluate_all(
                "nodes => nodes.map(node => node.dataset.path)"
            )
        )
        assert shown == document_paths(live_server)

        authorize(page, "bearerAuth", {"input": access_token})
        assert_tried_cleanly(page, method, path, problems)


def test_swagger_ui_logs_in_with_the_password_flow(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    """Authorize with email and password (POST /auth/token), then an admin-only operation."""
    method, path = ADMIN_OPERATION
    email = f"ui-admin-{uuid.uuid4().hex[:12]}@example.com"
    live_server.flask("create-admin", email, "--password", PASSWORD)
    problems = collect_problems(page)

    with screenshot_on_failure(page, tmp_path / "swagger-ui-password-flow.png"):
        page.goto(f"{live_server.url}/docs")
        operation = operation_block(page, method, path)
        operation.locator(".opblock-summary").click()
        # The policy's requirement opens the description; the problem codes follow it.
        description = operation.locator(".opblock-description-wrapper").inner_text()
        assert description.startswith("Requires: an access token of an admin, signed in"), (
            description
        )
        assert "403: forbidden" in description

        authorize(page, "passwordFlow", {"#oauth_username": email, "#oauth_password": PASSWORD})
        assert_tried_cleanly(page, method, path, problems)


def authorize(page: Page, scheme_name: str, fields: dict[str, str]) -> None:
    """Fill one scheme of the Authorize dialog (selector -> value), authorize, close it.

    Waits for Logout, which Swagger UI shows only once the scheme is authorized (for the
    password flow: once POST /auth/token granted a token).
    """
    page.get_by_role("button", name="Authorize").first.click()
    scheme = scheme_form(page, scheme_name)
    for selector, value in fields.items():
        scheme.locator(selector).fill(value)
    scheme.get_by_role("button", name="Authorize").click()
    scheme.get_by_role("button", name="Logout").wait_for()
    scheme.get_by_role("button", name="Close").click()


def assert_tried_cleanly(page: Page, method: str, path: str, problems: list[str]) -> None:
    """Try it out answers 200, with no console error, failed request or CSP violation."""
    assert try_it_out(page, method, path) == "200"
    problems += page.evaluate("window.__cspViolations")
    assert problems == [], "\n".join(problems)


def scheme_form(page: Page, name: str) -> Locator:
    """The part of the Authorize dialog for one security scheme of the document."""
    return page.locator(".modal-ux .auth-container", has=page.locator(f"h4:has-text('{name}')"))


def operation_block(page: Page, method: str, path: str) -> Locator:
    return page.locator(
        f".opblock-{method.lower()}",
        has=page.locator(f'.opblock-summary-path[data-path="{path}"]'),
    )


def try_it_out(page: Page, method: str, path: str) -> str:
    """Open the operation (if closed), Try it out, Execute; the status it shows."""
    operation = operation_block(page, method, path)
    if not operation.get_by_role("button", name="Try it out").is_visible():
        operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    return status.inner_text().strip()
