"""Keyset pagination (app/pagination/) as /clothes and /users use it: parameters, filters,
cursors that must be refused, ties, and exactly-once walks while rows come and go."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from app.clothes.models import ClothingItem
from app.clothes.queries import CLOTHES
from app.extensions import db
from app.pagination import MAC_PURPOSE, Listing
from tests.support.http import assert_problem, walk_pages
from tests.support.settings import TEST_SECRETS

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SORTS = ["id", "-id", "name", "-name", "price", "-price", "created_at", "-created_at"]


def insert_items(app, *specs: dict) -> None:
    """Rows straight into the table (no HTTP), with chosen created_at values for ties."""
    defaults = {"category": "tops", "size": "M", "color": "Red", "price": Decimal("10.00")}
    rows = [
        {"stock": 0, "description": "", **defaults, "created_at": T0, "updated_at": T0, **spec}
        for spec in specs
    ]
    with app.app_context():
        db.session.execute(insert(ClothingItem.__table__), rows)
        db.session.commit()


def sort_key(sort: str, item: dict) -> tuple:
    field = sort.removeprefix("-")
    value = {"price": lambda: Decimal(item["price"]), "id": lambda: None}.get(
        field, lambda: item[field]
    )()
    return (value, item["id"])


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=99999999999999999999",
        "sort=colour",
        "sort=--name",
        "sort=stock",
        "category=hats",
        "size=m",
        "color=",
        f"color={'c' * 31}",
        "min_price=abc",
        "min_price=-1",
        "max_price=NaN",
        "max_price=1e400",
        "in_stock=yes",
        "in_stock=1",
        f"q={'q' * 121}",
    ],
)
def test_bad_query_values_are_422_naming_the_parameter(client, admin_headers, query):
    response = client.get(f"/clothes?{query}", headers=admin_headers)
    body = assert_problem(response, 422, "validation_error")
    assert list(body["errors"]) == [query.split("=")[0]]


def test_limit_bounds_default_and_unknown_parameters(app, client, admin_headers):
    insert_items(app, *({"name": f"item {n:03}"} for n in range(105)))

    def page_size(query: str) -> int:
        return len(client.get(f"/clothes?{query}", headers=admin_headers).get_json()["items"])

    assert page_size("") == 20
    assert page_size("limit=1") == 1
    assert page_size("limit=100") == 100
    assert page_size("limit=5&offset=50&page=3&foo=bar") == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=shoes", {"boot", "sandal"}),
        ("category=tops&size=M", {"100% tee"}),
        ("size=XL", {"coat"}),
        ("color=NAVY", {"coat", "boot"}),
        ("color=navy blue", set()),
        ("min_price=20", {"coat", "boot"}),
        ("max_price=19.99", {"100% tee", "sandal"}),
        ("min_price=19.99&max_price=20.00", {"sandal", "boot"}),
        ("in_stock=true", {"100% tee", "coat"}),
        ("in_stock=false", {"boot", "sandal"}),
        ("q=OA", {"coat"}),
        ("q=%25", {"100% tee"}),
        ("q=_", set()),
        ("category=shoes&color=navy&in_stock=false", {"boot"}),
    ],
)
def test_clothes_filters(app, client, admin_headers, query, expected):
    insert_items(
        app,
        {"name": "100% tee", "price": Decimal("5.00"), "stock": 3},
        {"name": "coat", "size": "XL", "color": "Navy", "price": Decimal("150.00"), "stock": 1},
        {"name": "boot", "category": "shoes", "color": "navy", "price": Decimal("20.00")},
        {"name": "sandal", "category": "shoes", "price": Decimal("19.99")},
    )
    items = walk_pages(client, admin_headers, "/clothes", limit=1, **dict(parse_qsl(query)))
    assert {item["name"] for item in items} == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [("/", {"t/shirt", "50/50%"}), ("%/", set()), ("0/5", {"50/50%"}), ("0%", {"50/50%"})],
)
def test_q_matches_wildcards_and_the_escape_character_literally(
    app, client, admin_headers, q, expected
):
    """The list statements escape LIKE themselves (with "/"), so "/" must be escaped too."""
    insert_items(app, {"name": "t/shirt"}, {"name": "50/50%"}, {"name": "tee"})
    items = walk_pages(client, admin_headers, "/clothes", q=q)
    assert {item["name"] for item in items} == expected


def test_every_filter_combination_answers_and_the_statement_cache_stays_bounded(
    app, client, admin_headers
):
    """Each shape of list query is built once and cached; walking all of them stays bounded."""
    coat = {"name": "navy coat", "category": "outerwear", "color": "Navy", "size": "XL", "stock": 2}
    insert_items(app, coat)
    filters = [
        ("category", "outerwear"),
        ("size", "XL"),
        ("color", "navy"),
        ("min_price", "1"),
        ("max_price", "999"),
        ("in_stock", "true"),
        ("q", "coat"),
    ]
    for mask in range(2 ** len(filters)):
        chosen = dict(f for bit, f in enumerate(filters) if mask >> bit & 1)
        for sort in ("name", "-price"):
            response = client.get(
                "/clothes", query_string={**chosen, "sort": sort}, headers=admin_headers
            )
            assert response.status_code == 200
            assert [item["name"] for item in response.get_json()["items"]] == ["navy coat"]
    assert CLOTHES._statement.cache_info().currsize == Listing.SHAPES_CACHED


@pytest.mark.parametrize("sort", SORTS)
def test_ties_are_broken_by_id_in_the_same_direction(app, client, admin_headers, sort):
    insert_items(
        app,
        *(
            {
                "name": ["b", "a", "B"][n % 3],
                "price": Decimal(["9.99", "10.00"][n % 2]),
                "created_at": T0 + dt.timedelta(seconds=n % 2),
            }
            for n in range(11)
        ),
    )
    items = walk_pages(client, admin_headers, "/clothes", sort=sort, limit=2)
    expected = sorted(items, key=lambda item: sort_key(sort, item), reverse=sort[0] == "-")
    assert [item["id"] for item in items] == [item["id"] for item in expected]
    assert len({item["id"] for item in items}) == 11


def test_users_use_the_same_pagination(client, admin_headers, make_user):
    for n in (5, 3, 6, 1, 4, 2):
        make_user(email=f"u{n}@example.com", name="same")
    for sort in ("email", "-email", "name", "-created_at"):
        items = walk_pages(client, admin_headers, "/users", sort=sort, limit=3)
        expected = sorted(items, key=lambda u: (u[sort.lstrip("-")], u["id"]))
        assert items == (expected[::-1] if sort[0] == "-" else expected)
        assert len(items) == 7


def forge(payload: dict, key: str = TEST_SECRETS["SECRET_KEY"]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    mac = hmac.new(key.encode(), MAC_PURPOSE + raw, hashlib.sha256).digest()[:16]
    encode = base64.urlsafe_b64encode
    return f"{encode(raw).rstrip(b'=').decode()}.{encode(mac).rstrip(b'=').decode()}"


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_cursors_that_are_altered_foreign_or_garbage_are_422(app, client, admin_headers, make_user):
    insert_items(app, *({"name": f"n{n}"} for n in range(3)))
    make_user()
    make_user()
    good = client.get("/clothes?sort=name&limit=1", headers=admin_headers).get_json()["next_cursor"]
    users = client.get("/users?sort=name&limit=1", headers=admin_headers).get_json()["next_cursor"]
    assert client.get(f"/clothes?sort=name&cursor={good}", headers=admin_headers).status_code == 200
    payload, mac = good.split(".")
    bad = [
        flip(good, 3),
        flip(good, len(payload) + 3),
        payload,
        f"{payload}.",
        f"{payload}.{mac}.extra",
        "garbage",
        "!!!.???",
        "é.é",
        good + "A" * 600,
        users,  # another list, same sort
        forge({"r": "clothes", "s": "name", "k": ["n0", 1]}, key="another-secret-key" * 2),
        forge({"r": "clothes", "s": "name", "k": ["n0", 1, 2]}),
        forge({"r": "clothes", "s": "name", "k": [{"d": 5}, 1]}),
        forge({"r": "clothes", "s": "name", "k": [{"t": "yesterday"}, 1]}),
        forge({"r": "clothes", "s": "name", "k": [{"t": "2026-01-01T00:00:00"}, 1]}),
        forge({"r": "clothes", "s": "name", "k": [True, 1]}),
        forge({"r": "clothes", "s": "name"}),
        forge(["not", "an", "object"]),
    ]
    for cursor in bad:
        response = client.get(
            "/clothes", query_string={"sort": "name", "cursor": cursor}, headers=admin_headers
        )
        assert list(assert_problem(response, 422, "validation_error")["errors"]) == ["cursor"]
    for other_sort in ("-name", "id", "price"):  # a cursor made for another sort
        response = client.get(f"/clothes?sort={other_sort}&cursor={good}", headers=admin_headers)
        assert list(assert_problem(response, 422, "validation_error")["errors"]) == ["cursor"]


NAMES = st.sampled_from(["a", "b", "B", "ab", "é"])
PRICES = st.sampled_from([Decimal("0.00"), Decimal("9.99"), Decimal("10.00")])
ROWS = st.lists(st.tuples(NAMES, PRICES, st.integers(0, 2)), max_size=25)
# Between pages: insert a row, or delete the k-th row (mod the number left).
CHANGES = st.lists(
    st.one_of(st.tuples(st.just("insert"), st.tuples(NAMES, PRICES, st.integers(0, 2))),
              st.tuples(st.just("delete"), st.integers(0, 100))),
    max_size=12,
)  # fmt: skip


@pytest.mark.parametrize("sort", SORTS)
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=ROWS, changes=CHANGES, limit=st.integers(1, 4))
def test_walks_see_every_surviving_row_exactly_once_in_order(
    app, client, admin_headers, sort, rows, changes, limit
):
    with app.app_context():  # a fresh table per example (ids keep growing: AUTOINCREMENT)
        db.session.execute(delete(ClothingItem))
        db.session.commit()
    tokens = iter(range(10**6))

    def add(name: str, price: Decimal, second: int) -> str:
        token = f"row-{next(tokens)}"
        created = T0 + dt.timedelta(seconds=second)
        insert_items(
            app, {"name": name, "price": price, "created_at": created, "description": token}
        )
        return token

    initial = {add(*row) for row in rows}
    alive = sorted(initial)
    deleted_after_page: dict[str, int] = {}
    seen: list[tuple[int, dict]] = []
    cursor, page_number = None, 0
    while page_number < 200:  # a walk that never ends fails below instead of hanging
        query = {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = client.get("/clothes", query_string=query, headers=admin_headers).get_json()
        seen += [(page_number, item) for item in page["items"]]
        if page_number < len(changes):
            kind, argument = changes[page_number]
            if kind == "insert":
                alive.append(add(*argument))
            elif alive:
                victim = alive.pop(argument % len(alive))
                deleted_after_page[victim] = page_number
                with app.app_context():
                    db.session.execute(
                        delete(ClothingItem).where(ClothingItem.description == victim)
                    )
                    db.session.commit()
        cursor = page["next_cursor"]
        if cursor is None:
            break
        page_number += 1

    assert cursor is None, "next_cursor never ran out"
    seen_tokens = [item["description"] for _, item in seen]
    assert len(seen_tokens) == len(set(seen_tokens)), "a row appeared twice"
    survivors = initial - set(deleted_after_page)
    assert survivors <= set(seen_tokens), "a row that existed all along was skipped"
    for number, item in seen:  # a deleted row shows up only on pages read before its deletion
        assert number <= deleted_after_page.get(item["description"], number)
    keys = [sort_key(sort, item) for _, item in seen]
    assert keys == sorted(keys, reverse=sort.startswith("-")), "order broken"
