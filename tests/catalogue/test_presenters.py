"""The hand-written JSON (app/clothes/presenters.py, app/identity/presenters.py) matches the
documented schemas, for rows read by Core and for objects returned by writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.clothes.models import CATEGORIES, SIZES, ClothingItem
from app.clothes.presenters import item_json, page_json
from app.clothes.schemas import ClothingItemPageSchema, ClothingItemSchema
from app.identity.models import ROLES, User
from app.identity.presenters import USER_PUBLIC_COLUMNS, user_json, user_page_json
from app.identity.schemas import UserSchema
from app.users.schemas import UserPageSchema

moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
items = st.builds(
    ClothingItem,
    id=st.integers(min_value=1, max_value=2**31 - 1),
    name=st.text(min_size=1, max_size=120),
    category=st.sampled_from(CATEGORIES),
    size=st.sampled_from(SIZES),
    color=st.text(min_size=1, max_size=30),
    price=st.decimals(min_value=0, max_value=Decimal("999999.99"), places=2),
    stock=st.integers(min_value=0, max_value=1_000_000),
    photo_url=st.none() | st.just("https://example.com/a.jpg"),
    description=st.text(max_size=50),
    created_at=moments,
    updated_at=moments,
)


def as_row(item: ClothingItem) -> tuple:
    """The item as a row of queries.CLOTHES: the table's columns, in declared order."""
    return tuple(getattr(item, column.key) for column in ClothingItem.__table__.columns)


@settings(max_examples=200, deadline=None)
@given(item=items)
def test_item_json_is_the_schema_dump(item):
    dumped = ClothingItemSchema().dump(item)
    assert list(item_json(as_row(item)).items()) == list(dumped.items())  # a row read by Core
    assert list(item_json(item).items()) == list(dumped.items())  # an object, after a write


@given(page=st.lists(items, max_size=5), cursor=st.none() | st.just("abc.def"))
@settings(max_examples=50, deadline=None)
def test_page_json_is_the_schema_dump(page, cursor):
    rows = {"items": [as_row(item) for item in page], "next_cursor": cursor}
    schema_dump = ClothingItemPageSchema().dump({"items": page, "next_cursor": cursor})
    assert page_json(rows) == schema_dump
    assert [list(item) for item in page_json(rows)["items"]] == [
        list(item) for item in schema_dump["items"]
    ]  # the same keys in the same order


def test_a_served_page_is_the_schema_dump_of_its_rows(app, client, admin_headers):
    body = {"name": "Coat", "category": "outerwear", "size": "L", "color": "Navy", "price": 120}
    assert client.post("/clothes", json=body, headers=admin_headers).status_code == 201
    served = client.get("/clothes", headers=admin_headers).get_json()
    assert served["items"][0]["price"] == "120.00"
    assert served["items"][0]["created_at"].endswith("Z")
    assert set(served["items"][0]) == set(ClothingItemSchema().fields)


users = st.builds(
    User,
    id=st.integers(min_value=1, max_value=2**31 - 1),
    email=st.emails(),
    name=st.text(max_size=100),
    role=st.sampled_from(ROLES),
    is_active=st.booleans(),
    created_at=moments,
)


@settings(max_examples=200, deadline=None)
@given(user=users)
def test_user_json_is_the_schema_dump(user):
    row = tuple(getattr(user, column.key) for column in USER_PUBLIC_COLUMNS)
    written, dumped = user_json(row), UserSchema().dump(user)
    assert list(written.items()) == list(dumped.items())  # same keys, same order
    assert list(user_json(user).items()) == list(dumped.items())  # an object, after a write


@given(page=st.lists(users, max_size=5), cursor=st.none() | st.just("abc.def"))
@settings(max_examples=50, deadline=None)
def test_user_page_json_is_the_schema_dump(page, cursor):
    rows = [tuple(getattr(user, column.key) for column in USER_PUBLIC_COLUMNS) for user in page]
    written = user_page_json({"items": rows, "next_cursor": cursor})
    assert written == UserPageSchema().dump({"items": page, "next_cursor": cursor})


def test_served_profile_is_the_schema_dump(client, make_user, login):
    user = make_user()
    tokens = login(user)
    served = client.get("/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert served.get_json() == UserSchema().dump(user)
