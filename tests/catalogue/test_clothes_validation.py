"""Each clothing item field at and beyond its bounds; price and stock types."""

from __future__ import annotations

import pytest

from tests.support.data import ITEM
from tests.support.http import assert_problem

URL_500 = "https://e.com/" + "a" * (500 - len("https://e.com/"))


def post(client, admin_headers, **fields):
    return client.post("/clothes", json={**ITEM, **fields}, headers=admin_headers)


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("name", "a", "a"),
        ("name", "n" * 120, "n" * 120),
        ("name", "  Padded  ", "Padded"),
        ("name", " " + "n" * 120 + " ", "n" * 120),
        ("name", "Café ☕", "Café ☕"),
        ("category", "accessories", "accessories"),
        ("size", "XXS", "XXS"),
        ("size", "XXXL", "XXXL"),
        ("color", "c", "c"),
        ("color", "c" * 30, "c" * 30),
        ("stock", 0, 0),
        ("stock", 1_000_000, 1_000_000),
        ("photo_url", None, None),
        ("photo_url", "http://localhost/a.png", "http://localhost/a.png"),
        ("photo_url", URL_500, URL_500),
        ("description", "", ""),
        ("description", "d" * 2000, "d" * 2000),
    ],
)
def test_values_at_the_bounds_are_accepted(client, admin_headers, field, value, stored):
    response = post(client, admin_headers, **{field: value})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()[field] == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "n" * 121),
        ("name", None),
        ("name", 5),
        ("name", "nul\x00byte"),
        ("name", "lone \ud800 surrogate"),
        ("category", "hats"),
        ("category", "Tops"),
        ("category", None),
        ("size", "m"),
        ("size", "XXXXL"),
        ("size", ""),
        ("color", ""),
        ("color", "  "),
        ("color", "c" * 31),
        ("stock", -1),
        ("stock", 1_000_001),
        ("stock", 10**30),
        ("stock", 5.5),
        ("stock", 5.0),
        ("stock", "5"),
        ("stock", True),
        ("stock", None),
        ("photo_url", "ftp://example.com/a.png"),
        ("photo_url", "javascript:alert(1)"),
        ("photo_url", "/relative.png"),
        ("photo_url", "not a url"),
        ("photo_url", URL_500 + "a"),
        ("description", "d" * 2001),
        ("description", None),
        ("description", "nul\x00"),
    ],
)
def test_values_beyond_the_bounds_are_422_and_nothing_is_created(
    client, admin_headers, field, value
):
    body = assert_problem(post(client, admin_headers, **{field: value}), 422, "validation_error")
    assert list(body["errors"]) == [field]
    assert client.get("/clothes", headers=admin_headers).get_json()["items"] == []


@pytest.mark.parametrize("missing", ["name", "category", "size", "color", "price"])
def test_required_fields(client, admin_headers, missing):
    body = {k: v for k, v in ITEM.items() if k != missing}
    response = client.post("/clothes", json=body, headers=admin_headers)
    assert list(assert_problem(response, 422, "validation_error")["errors"]) == [missing]


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        (19.9, "19.90"),
        ("19.9", "19.90"),
        ("5", "5.00"),
        (5, "5.00"),
        (0, "0.00"),
        ("0.00", "0.00"),
        (0.1, "0.10"),
        (999999.99, "999999.99"),
        ("999999.99", "999999.99"),
        ("12.300", "12.30"),
        (1e2, "100.00"),
    ],
)
def test_price_round_trips_as_a_two_decimal_string(client, admin_headers, sent, returned):
    response = post(client, admin_headers, price=sent)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert item["price"] == returned
    assert (
        client.get(f"/clothes/{item['id']}", headers=admin_headers).get_json()["price"] == returned
    )


@pytest.mark.parametrize(
    "price",
    [
        1.234,
        "1.234",
        1000000,
        "1000000",
        1e6,
        -0.01,
        "-1",
        True,
        False,
        None,
        "",
        "abc",
        "1e3",
        " 5",
        "1_000",
        "NaN",
        "Infinity",
        [5],
        {"amount": 5},
        10**400,
    ],
)
def test_bad_prices_are_422(client, admin_headers, price):
    body = assert_problem(post(client, admin_headers, price=price), 422, "validation_error")
    assert list(body["errors"]) == ["price"]


def test_json_infinity_is_not_a_price(client, admin_headers):
    raw = '{"name": "x", "category": "tops", "size": "M", "color": "red", "price": 1e999}'
    response = client.post(
        "/clothes", data=raw, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert list(assert_problem(response, 422, "validation_error")["errors"]) == ["price"]


def test_a_body_that_is_not_an_object_is_422(client, admin_headers):
    response = client.post("/clothes", json=[ITEM], headers=admin_headers)
    assert_problem(response, 422, "validation_error")


def test_patch_validates_what_it_is_sent(client, admin_headers):
    item_id = post(client, admin_headers).get_json()["id"]
    for body in ({"name": "  "}, {"stock": "5"}, {"photo_url": "ftp://x"}, {"price": None}):
        response = client.patch(f"/clothes/{item_id}", json=body, headers=admin_headers)
        assert list(assert_problem(response, 422, "validation_error")["errors"]) == list(body)
    cleared = client.patch(f"/clothes/{item_id}", json={"photo_url": None}, headers=admin_headers)
    assert cleared.status_code == 200 and cleared.get_json()["photo_url"] is None
