"""Hostile query strings, path ids and headers: the contract's answer, a problem document for
every error, and nothing changed (users, auth_sessions, clothes compared row by row).

The catalogue:

    every filter of /clothes and /users   INJECTIONS below: free text (q, color) finds
                                          nothing (200, empty page); every other parameter is
                                          422 naming it; NUL anywhere is 422
    raw invalid UTF-8 in a query          %ED%A0%80 (an encoded lone surrogate), %FF: never 5xx
    limit                                 10**30, -1, 0, 1e3, 1.5, "" -> 422 naming `limit`
    repeated parameters                   ?limit=1&limit=2 -> the first counts (200)
    path ids, on every route with one     -1, 0, 10**20, 2**31, abc, 1.5, 0x1, 1e3, %00, a
                                          fullwidth 1, "1 " -> 404 not_found, for an admin
    Authorization                         100 KB of token, `Bearer` alone, another scheme,
                                          trailing junk, a NUL, non-ASCII -> 401 token_invalid
                                          with `WWW-Authenticate: Bearer error="invalid_token"`

Odd but storable Unicode (RTL override, zero-width, emoji, combining marks) and injection
strings in text fields are kept exactly as sent: test_odd_text_is_stored_verbatim.
Bodies: test_bad_input.py.
"""

from __future__ import annotations

import pytest
from marshmallow import fields

from app.web.blueprint import Blueprint
from app.web.request_body import QueryArgsSchema
from tests.support.data import ITEM
from tests.support.database import snapshot
from tests.support.http import INVALID_CHALLENGE, assert_problem

INJECTIONS = ["' OR 1=1 --", "{{7*7}}", "${7*7}", "%s", "../../etc/passwd", "1; DROP TABLE clothes"]
ODD_TEXT = ["\u202eevil", "zero\u200bwidth", "👗🧥", "e\u0301", "%s {{7*7}}", "' OR 1=1 --"]
FREE_TEXT = {"q", "color"}
PARAMETERS = {
    "/clothes": ["category", "size", "color", "min_price", "max_price", "in_stock", "q", "sort",
                 "limit", "cursor"],
    "/users": ["role", "is_active", "q", "sort", "limit", "cursor"],
}  # fmt: skip
BAD_IDS = ["-1", "0", "99999999999999999999", "2147483648", "abc", "1.5", "0x1", "1e3", "%00",
           "%EF%BC%91", "1%20"]  # fmt: skip
ID_ROUTES = [
    ("GET", "/clothes/{}"),
    ("PUT", "/clothes/{}"),
    ("PATCH", "/clothes/{}"),
    ("DELETE", "/clothes/{}"),
    ("GET", "/users/{}"),
    ("PATCH", "/users/{}"),
    ("DELETE", "/auth/sessions/{}"),
]

# Item 1 is in the catalogue in every test here: the word-bait for every filter.
pytestmark = pytest.mark.usefixtures("item")


def unchanged(app, client, path, method="GET", **kwargs):
    """Send the request and check it changed no row; returns its response."""
    before = snapshot(app)
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert snapshot(app) == before
    return response


@pytest.mark.parametrize("value", [*INJECTIONS, "nul\x00"])
def test_injection_strings_in_every_filter(app, client, admin_headers, value):
    for path, parameters in PARAMETERS.items():
        for name in parameters:
            response = unchanged(
                app, client, path, query_string={name: value}, headers=admin_headers
            )
            if name in FREE_TEXT and "\x00" not in value:
                assert response.status_code == 200, (path, name)
                assert response.get_json()["items"] == []
            else:
                body = assert_problem(response, 422, "validation_error")
                assert list(body["errors"]) == [name], (path, name)


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF", "%C0%AF", "%E2%80%AE"])
def test_raw_invalid_utf8_in_every_query_parameter(app, client, admin_headers, raw):
    for path, parameters in PARAMETERS.items():
        for name in parameters:
            response = unchanged(app, client, f"{path}?{name}={raw}", headers=admin_headers)
            if response.status_code != 200:
                assert list(assert_problem(response, 422, "validation_error")["errors"]) == [name]


@pytest.mark.parametrize("limit", [str(10**30), "-1", "0", "1e3", "1.5", "", "101"])
def test_bad_limits_are_422(app, client, admin_headers, limit):
    for path in PARAMETERS:
        response = unchanged(app, client, f"{path}?limit={limit}", headers=admin_headers)
        assert list(assert_problem(response, 422, "validation_error")["errors"]) == ["limit"]


def test_a_repeated_parameter_counts_once(app, client, admin_headers):
    assert client.post("/clothes", json=ITEM, headers=admin_headers).status_code == 201
    response = client.get("/clothes?limit=1&limit=2&sort=-id&sort=id", headers=admin_headers)
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [2]


def test_a_query_schema_with_a_list_field_still_gets_every_value(app):
    """Single-valued schemas get a plain dict of first values (app/web/request_body.py); a List
    field (none of ours has one yet) must still see all of its values."""

    class Tagged(QueryArgsSchema):
        tag = fields.List(fields.String())
        limit = fields.Integer()

    with app.test_request_context("/?tag=a&tag=b&limit=1&limit=2"):
        parsed = Blueprint.ARGUMENTS_PARSER.parse(Tagged(), location="query")
    assert parsed == {"tag": ["a", "b"], "limit": 1}


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_bad_path_ids_are_404(app, client, admin_headers, bad_id):
    for method, route in ID_ROUTES:
        json_body = {} if method in ("PUT", "PATCH") else None
        response = unchanged(
            app, client, route.format(bad_id), method, json=json_body, headers=admin_headers
        )
        assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + "a" * 100_000,
        "Bearer",
        "Bearer   ",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer {token} junk",
        "Bearer {token}\x00",
        "Bearer {token}é",
        "Bearer " + "eyJhbGciOiJub25lIn0." * 3,
    ],
    ids=["100 KB", "bare", "blank", "basic", "junk", "NUL", "non-ascii", "alg none"],
)
def test_authorization_header_abuse_is_401_token_invalid(app, client, admin_headers, authorization):
    header = authorization.replace(
        "{token}", admin_headers["Authorization"].removeprefix("Bearer ")
    )
    for method, path in [("GET", "/auth/me"), ("POST", "/clothes"), ("DELETE", "/clothes/1")]:
        response = unchanged(app, client, path, method, headers={"Authorization": header})
        assert_problem(response, 401, "token_invalid")
        assert response.headers["WWW-Authenticate"] == INVALID_CHALLENGE


@pytest.mark.parametrize("text", ODD_TEXT)
def test_odd_text_is_stored_verbatim(client, admin_headers, text):
    """Storable text, however odd, round-trips exactly; a filter on it finds it."""
    body = {**ITEM, "name": text, "color": text[:30], "description": text}
    created = client.post("/clothes", json=body, headers=admin_headers)
    assert created.status_code == 201, created.get_json()
    item = client.get(created.headers["Location"], headers=admin_headers).get_json()
    assert (item["name"], item["color"], item["description"]) == (text, text[:30], text)
    found = client.get("/clothes", query_string={"q": text}, headers=admin_headers).get_json()[
        "items"
    ]
    assert item["id"] in [row["id"] for row in found]
