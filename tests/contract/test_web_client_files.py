"""/app/ without a browser: the files, their types and CSP, and the rules the client keeps."""

from __future__ import annotations

import re

import pytest

from app.webclient.routes import STATIC
from tests.support.http import assert_problem

CSP_REQUIRED = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
]


@pytest.mark.parametrize("path", ["/app/", "/reset-password", "/verify-email"])
def test_the_page_is_served_with_a_strict_csp(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    for directive in CSP_REQUIRED:
        assert directive in policy
    assert "unsafe" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b'<script type="module" src="/app/app.js">' in response.data


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/app/app.js", "text/javascript"),
        ("/app/pages/auth.js", "text/javascript"),
        ("/app/style.css", "text/css"),
    ],
)
def test_modules_and_styles_have_their_types(client, path, mimetype):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == mimetype
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/app/nothing.js", "/app/../config.py", "/app/README"])
def test_anything_else_is_a_404_problem(client, path):
    assert_problem(client.get(path), 404, "not_found")


def test_app_without_the_slash_redirects(client):
    response = client.get("/app")
    assert response.status_code == 308 and response.headers["Location"].endswith("/app/")


def test_the_token_page_links_to_the_auth_flow_document(client):
    response = client.get("/app/auth-flow.md")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert b"sequenceDiagram" in response.data or b"token" in response.data


def test_no_inline_script_or_style_and_no_html_from_strings():
    """The CSP forbids inline code anyway; the client also never parses strings as HTML."""
    html = (STATIC / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html and " on" not in html.replace(" only", "")
    for script in STATIC.rglob("*.js"):
        text = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, (script.name, sink)
