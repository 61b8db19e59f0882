"""Driving Debian's Chromium with Playwright: its flags, and what a page must not do.

Playwright cannot download a browser of its own here, so the tests launch the system one
(`make e2e` installs it). `collect_problems` records every console error, page error, failed
request and Content-Security-Policy violation, so a page that breaks under the CSP fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
# Runs before any script of the page: records every CSP violation, even one that the
# browser does not report on the console.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """The system Chromium, driven by Playwright (which never downloads a browser here)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"No Chromium at {CHROMIUM}: run `make e2e` (it installs Debian's chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def screenshot_on_failure(page: Page, path: Path) -> Iterator[None]:
    """On any failure inside, save what the browser showed and name the file in the error."""
    try:
        yield
    except Exception as error:
        page.screenshot(path=str(path), full_page=True)
        raise AssertionError(f"{error}\nScreenshot of the page: {path}") from error


def collect_problems(page: Page) -> list[str]:
    """Console errors, CSP reports, page errors and failed requests, as they happen."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        lambda request: problems.append(f"request failed: {request.url} {request.failure}"),
    )
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    return problems
