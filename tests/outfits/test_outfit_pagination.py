"""Keyset pagination of /outfits and /outfits/public: what each lists, its parameters, and
exactly-once walks while outfits come and go (as the catalogue's: tests/catalogue)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from app.extensions import db
from app.outfits.models import Outfit
from tests.support.http import assert_problem, bearer, walk_pages
from tests.support.outfits import create_outfit

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SORTS = ["id", "-id", "name", "-name", "created_at", "-created_at"]


def insert_outfits(app, owner_id: int, *specs: dict) -> None:
    """Rows straight into the table (no HTTP), with chosen names and times for ties."""
    rows = [
        {"owner_id": owner_id, "name": "Look", "note": None, "visibility": "private"}
        | {"created_at": T0, "updated_at": T0, **spec}
        for spec in specs
    ]
    with app.app_context():
        db.session.execute(insert(Outfit.__table__), rows)
        db.session.commit()


@pytest.fixture
def two_users(client, make_user, login) -> tuple[dict, dict]:
    return tuple(bearer(login(make_user())["access_token"]) for _ in range(2))


def test_each_user_lists_only_their_own_filtered_by_visibility(client, two_users):
    mine, theirs = two_users
    private = [create_outfit(client, mine)["id"] for _ in range(3)]
    public = [create_outfit(client, mine, visibility="public")["id"] for _ in range(2)]
    create_outfit(client, theirs, visibility="public")
    assert [o["id"] for o in walk_pages(client, mine, "/outfits", limit=2)] == private + public
    assert [o["id"] for o in walk_pages(client, mine, "/outfits", visibility="public")] == public
    assert [
        o["id"] for o in walk_pages(client, mine, "/outfits", visibility="private", sort="-id")
    ] == (private[::-1])


def test_the_public_list_holds_everyones_public_outfits(client, two_users, admin_headers):
    mine, theirs = two_users
    shown = [
        create_outfit(client, mine, visibility="public")["id"],
        create_outfit(client, theirs, visibility="public")["id"],
    ]
    create_outfit(client, theirs)
    for caller in (mine, theirs, admin_headers):
        assert [o["id"] for o in walk_pages(client, caller, "/outfits/public", limit=1)] == shown


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "sort=visibility", "sort=price", "visibility=friends", "cursor=x"],
)
def test_bad_query_values_are_422_naming_the_parameter(client, user_headers, query):
    body = assert_problem(
        client.get(f"/outfits?{query}", headers=user_headers), 422, "validation_error"
    )
    assert query.split("=")[0] in body["errors"]


def test_a_cursor_of_another_list_is_refused(client, user_headers):
    for _ in range(2):
        create_outfit(client, user_headers, visibility="public")
    cursor = client.get("/outfits/public?limit=1", headers=user_headers).get_json()["next_cursor"]
    response = client.get("/outfits", query_string={"cursor": cursor}, headers=user_headers)
    assert "cursor" in assert_problem(response, 422, "validation_error")["errors"]
    own = client.get("/outfits?limit=1", headers=user_headers).get_json()["next_cursor"]
    response = client.get("/outfits/public", query_string={"cursor": own}, headers=user_headers)
    assert "cursor" in assert_problem(response, 422, "validation_error")["errors"]


def sort_key(sort: str, outfit: dict) -> tuple:
    field = sort.removeprefix("-")
    return (None if field == "id" else outfit[field], outfit["id"])


NAMES = st.sampled_from(["A", "B", "C"])  # few names and times: many ties on the sort key
ROWS = st.lists(st.tuples(NAMES, st.integers(0, 3)), max_size=8)
CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.tuples(NAMES, st.integers(0, 3))),
        st.tuples(st.just("delete"), st.integers(0, 100)),
    ),
    max_size=6,
)


@pytest.mark.parametrize("sort", SORTS)
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=ROWS, changes=CHANGES, limit=st.integers(1, 3))
def test_walks_see_every_surviving_outfit_exactly_once_in_order(
    app, client, user, user_headers, sort, rows, changes, limit
):
    with app.app_context():  # a fresh table per example
        db.session.execute(delete(Outfit))
        db.session.commit()
    tokens = iter(range(10**6))

    def add(name: str, second: int) -> str:
        token = f"row-{next(tokens)}"
        created = T0 + dt.timedelta(seconds=second)
        insert_outfits(app, user.id, {"name": name, "created_at": created, "note": token})
        return token

    initial = {add(*row) for row in rows}
    alive = sorted(initial)
    deleted_after_page: dict[str, int] = {}
    seen: list[tuple[int, dict]] = []
    cursor, page_number = None, 0
    while page_number < 200:
        query = {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = client.get("/outfits", query_string=query, headers=user_headers).get_json()
        seen += [(page_number, outfit) for outfit in page["items"]]
        if page_number < len(changes):
            kind, argument = changes[page_number]
            if kind == "insert":
                alive.append(add(*argument))
            elif alive:
                victim = alive.pop(argument % len(alive))
                deleted_after_page[victim] = page_number
                with app.app_context():
                    db.session.execute(delete(Outfit).where(Outfit.note == victim))
                    db.session.commit()
        cursor = page["next_cursor"]
        if cursor is None:
            break
        page_number += 1

    assert cursor is None, "next_cursor never ran out"
    seen_tokens = [outfit["note"] for _, outfit in seen]
    assert len(seen_tokens) == len(set(seen_tokens)), "an outfit appeared twice"
    survivors = initial - set(deleted_after_page)
    assert survivors <= set(seen_tokens), "an outfit that existed all along was skipped"
    for number, outfit in seen:
        assert number <= deleted_after_page.get(outfit["note"], number)
    keys = [sort_key(sort, outfit) for _, outfit in seen]
    assert keys == sorted(keys, reverse=sort.startswith("-")), "order broken"
