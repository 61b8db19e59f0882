"""/outfits as its owner uses it: create, read, replace, change, delete; validation, ETags,
If-Match; and how outfits follow the catalogue and their owner's account."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Delete, Insert, Update, event, func, select, text, update

from app.database import utcnow
from app.extensions import db
from app.identity.events import account_closed
from app.outfits.models import Outfit, OutfitItem
from app.outfits.presenters import outfit_json, outfit_page_json, record_of
from app.outfits.queries import list_own
from app.outfits.schemas import OutfitPageSchema
from app.pagination import PageRequest
from app.security.authentication import Principal
from app.users.presenters import user_detail_json
from app.users.schemas import UserDetailSchema
from tests.support.data import ITEM
from tests.support.http import assert_problem, bearer
from tests.support.outfits import OUTFIT, create_outfit


@pytest.fixture
def items(client, admin_headers) -> list[int]:
    """Three catalogue items' ids."""
    ids = []
    for n in range(3):
        response = client.post(
            "/clothes", json={**ITEM, "name": f"Shirt {n}"}, headers=admin_headers
        )
        ids.append(response.get_json()["id"])
    return ids


def outfit_rows(app) -> tuple[int, int]:
    with app.app_context():
        outfits = db.session.scalar(select(func.count()).select_from(Outfit))
        items = db.session.scalar(select(func.count()).select_from(OutfitItem))
    return outfits, items


def test_create_answers_the_outfit_its_location_and_etag(client, user, user_headers, items):
    response = client.post("/outfits", json={**OUTFIT, "items": items[::-1]}, headers=user_headers)
    assert response.status_code == 201
    outfit = response.get_json()
    assert outfit["owner_id"] == user.id
    assert outfit["items"] == items[::-1]  # the order sent is kept
    assert response.headers["Location"] == f"/outfits/{outfit['id']}"
    fetched = client.get(response.headers["Location"], headers=user_headers)
    assert fetched.get_json() == outfit
    assert fetched.headers["ETag"] == response.headers["ETag"]
    assert fetched.headers["Cache-Control"] == "no-store"


def test_defaults_of_a_minimal_outfit(client, user_headers):
    response = client.post("/outfits", json={"name": "Bare"}, headers=user_headers)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["note"], body["visibility"], body["items"]) == (None, "private", [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "ok", "note": "x" * 2001}, "note"),
        ({"name": "ok", "visibility": "friends"}, "visibility"),
        ({"name": "ok", "items": list(range(1, 52))}, "items"),
        ({"name": "ok", "items": [1, 1]}, "items"),
        ({"name": "ok", "items": [True]}, "items"),
        ({"name": "ok", "items": ["1"]}, "items"),
        ({"name": "ok", "items": [0]}, "items"),
        ({"name": "ok", "items": 1}, "items"),
        ({"name": "ok", "items": [999]}, "items"),
        ({"name": "ok", "owner_id": 1}, "owner_id"),
        ({"name": "ok", "id": 5}, "id"),
        ({}, "name"),
    ],
)
def test_invalid_outfits_are_422_naming_the_field_and_store_nothing(
    app, client, user_headers, items, body, field
):
    before = outfit_rows(app)
    response = client.post("/outfits", json=body, headers=user_headers)
    assert field in assert_problem(response, 422, "validation_error")["errors"]
    assert outfit_rows(app) == before


def test_fifty_items_are_enough(app, client, user_headers, admin_headers):
    ids = [
        client.post("/clothes", json={**ITEM, "name": f"S{n}"}, headers=admin_headers).get_json()[
            "id"
        ]
        for n in range(50)
    ]
    assert create_outfit(client, user_headers, items=ids)["items"] == ids


def test_a_missing_item_is_named_and_a_failed_write_changes_nothing(
    app, client, user_headers, items
):
    outfit = create_outfit(client, user_headers, items=items[:1])
    response = client.put(
        f"/outfits/{outfit['id']}",
        json={"name": "New", "items": [items[1], 777]},
        headers=user_headers,
    )
    body = assert_problem(response, 422, "validation_error")
    assert "777" in body["errors"]["items"][0] and str(items[1]) not in body["errors"]["items"][0]
    assert client.get(f"/outfits/{outfit['id']}", headers=user_headers).get_json() == outfit


def test_put_replaces_and_patch_changes_only_what_is_sent(client, user_headers, items):
    outfit = create_outfit(client, user_headers, items=items, visibility="public")
    path = f"/outfits/{outfit['id']}"
    replaced = client.put(path, json={"name": "Replaced"}, headers=user_headers).get_json()
    assert (replaced["name"], replaced["note"], replaced["visibility"], replaced["items"]) == (
        "Replaced", None, "private", []
    )  # fmt: skip
    patched = client.patch(path, json={"items": items[1:]}, headers=user_headers)
    assert patched.status_code == 200
    assert patched.get_json() == {
        **replaced,
        "items": items[1:],
        "updated_at": patched.get_json()["updated_at"],
    }
    assert client.get(path, headers=user_headers).get_json() == patched.get_json()
    assert client.get(path, headers=user_headers).headers["ETag"] == patched.headers["ETag"]


def test_an_empty_patch_changes_nothing_but_is_still_checked(
    client, user_headers, admin_headers, make_user
):
    outfit = create_outfit(client, user_headers)
    path = f"/outfits/{outfit['id']}"
    etag = client.get(path, headers=user_headers).headers["ETag"]
    same = client.patch(path, json={}, headers={**user_headers, "If-Match": etag})
    assert (same.status_code, same.get_json(), same.headers["ETag"]) == (200, outfit, etag)
    assert_problem(client.patch(path, json={}, headers=admin_headers), 403, "forbidden")


def test_if_match_guards_every_write(app, client, user_headers):
    outfit = create_outfit(client, user_headers)
    path = f"/outfits/{outfit['id']}"
    etag = client.get(path, headers=user_headers).headers["ETag"]
    before = client.get(path, headers=user_headers).get_json(), outfit_rows(app)
    for stale in ('"0000"', f"W/{etag}"):
        headers = {**user_headers, "If-Match": stale}
        assert_problem(
            client.patch(path, json={"name": "x"}, headers=headers), 412, "precondition_failed"
        )
        assert_problem(
            client.put(path, json={"name": "x"}, headers=headers), 412, "precondition_failed"
        )
        assert_problem(client.delete(path, headers=headers), 412, "precondition_failed")
    assert (client.get(path, headers=user_headers).get_json(), outfit_rows(app)) == before
    changed = client.patch(path, json={"name": "x"}, headers={**user_headers, "If-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.delete(path, headers={**user_headers, "If-Match": etag}).status_code == 412
    assert client.delete(path, headers={**user_headers, "If-Match": "*"}).status_code == 204


def test_a_deleted_catalogue_item_leaves_every_outfit_and_changes_its_etag(
    client, user_headers, admin_headers, items
):
    outfit = create_outfit(client, user_headers, items=items)
    path = f"/outfits/{outfit['id']}"
    etag = client.get(path, headers=user_headers).headers["ETag"]
    assert client.delete(f"/clothes/{items[1]}", headers=admin_headers).status_code == 204
    after = client.get(path, headers=user_headers)
    assert after.get_json()["items"] == [items[0], items[2]]
    assert after.headers["ETag"] != etag
    assert (
        client.patch(path, json={}, headers={**user_headers, "If-Match": etag}).status_code == 412
    )


def test_a_closed_accounts_outfits_go_with_it(app, client, make_user, login, user_headers, items):
    closing = make_user()
    closing_headers = bearer(login(closing)["access_token"])
    create_outfit(client, closing_headers, items=items, visibility="public")
    create_outfit(client, closing_headers)
    kept = create_outfit(client, user_headers, items=items)
    with app.app_context():
        account_closed.send(None, user_id=closing.id)
        db.session.commit()
    assert outfit_rows(app) == (1, len(items))
    assert client.get(f"/outfits/{kept['id']}", headers=user_headers).get_json() == kept


def test_the_closing_transaction_decides(app, client, user, user_headers, items):
    """The receiver only adds to the transaction: rolled back, nothing is deleted."""
    create_outfit(client, user_headers, items=items)
    with app.app_context():
        account_closed.send(None, user_id=user.id)
        db.session.rollback()
    assert outfit_rows(app) == (1, len(items))


def test_admins_see_how_many_outfits_a_user_has(client, user, user_headers, admin_headers):
    assert client.get(f"/users/{user.id}", headers=admin_headers).get_json()["outfit_count"] == 0
    for _ in range(3):
        create_outfit(client, user_headers)
    body = client.get(f"/users/{user.id}", headers=admin_headers).get_json()
    assert body["outfit_count"] == 3
    assert_problem(client.get(f"/users/{user.id}", headers=user_headers), 403, "forbidden")


def test_an_admins_moderation_is_audited_and_an_owners_delete_is_not(
    client, user_headers, admin, admin_headers, user, caplog
):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    mine, theirs = create_outfit(client, user_headers), create_outfit(client, user_headers)
    assert client.delete(f"/outfits/{mine['id']}", headers=user_headers).status_code == 204
    assert client.delete(f"/outfits/{theirs['id']}", headers=admin_headers).status_code == 204
    events = [r.audit for r in caplog.records if getattr(r, "audit", None)]
    moderated = [e for e in events if e["event"] == "outfit_moderated"]
    assert moderated == [
        {
            "event": "outfit_moderated",
            "outfit_id": theirs["id"],
            "owner_id": user.id,
            "actor_id": admin.id,
        }
    ]


def test_presenters_write_what_the_schemas_dump(
    app, client, user, user_headers, admin_headers, items
):
    create_outfit(client, user_headers, items=items[::-1], note=None)
    create_outfit(client, user_headers, items=[], visibility="public")
    principal = Principal(user_id=user.id, session_id=0, role="user", claims=None)  # type: ignore[arg-type]
    with app.app_context():
        page = list_own(principal, page=PageRequest(scope="outfits", sort="id"))
        records = [record_of(row) for row in page["items"]]
        dumped = OutfitPageSchema().dump(
            {"items": [r._asdict() for r in records], "next_cursor": None}
        )
        assert outfit_page_json(page) == dumped
        assert [outfit_json(record) for record in records] == dumped["items"]
        assert records[0].items == tuple(items[::-1])
    served = client.get("/outfits", headers=user_headers).get_json()
    assert served == dumped
    detail = client.get(f"/users/{user.id}", headers=admin_headers).get_json()
    shown = ("id", "email", "name", "role", "is_active", "email_verified")
    row = (*(detail[k] for k in shown), user.created_at, detail["mfa_enabled"], 2)
    assert user_detail_json(row) == UserDetailSchema().dump(
        {**detail, "created_at": user.created_at, "totp_enabled": detail["mfa_enabled"]}
    )


def test_the_openapi_document_names_each_operations_object_rule(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    operations = [
        paths["/outfits"]["get"], paths["/outfits"]["post"], paths["/outfits/public"]["get"],
        *(paths["/outfits/{outfit_id}"][m] for m in ("get", "put", "patch", "delete")),
    ]  # fmt: skip
    assert all(op["x-object-rule"].startswith("outfit ") for op in operations)
    by_id = paths["/outfits/{outfit_id}"]
    assert "404" in by_id["get"]["responses"] and "403" in by_id["put"]["responses"]
    assert "ETag" in by_id["get"]["responses"]["200"]["headers"]
    assert "Location" in paths["/outfits"]["post"]["responses"]["201"]["headers"]
    assert any(p["name"] == "If-Match" for p in by_id["delete"]["parameters"])


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_write_racing_another_one_never_loses_it(app, client, user_headers, method):
    """Another connection commits between this request's read and its UPDATE or DELETE."""
    outfit = create_outfit(client, user_headers)
    path = f"/outfits/{outfit['id']}"
    etag = client.get(path, headers=user_headers).headers["ETag"]
    races = []

    def concurrent_write(_conn, clause, *_args) -> None:
        if isinstance(clause, Update | Delete) and clause.table is Outfit.__table__ and not races:
            races.append(True)
            with db.engine.connect() as other:
                table = Outfit.__table__
                other.execute(
                    update(table)
                    .where(table.c.id == outfit["id"])
                    .values(note="theirs", updated_at=utcnow())
                )
                other.commit()

    def write(headers: dict):
        if method == "patch":
            return client.patch(path, json={"name": "Mine"}, headers=headers)
        return client.delete(path, headers=headers)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_execute", concurrent_write)
    try:
        assert_problem(write({**user_headers, "If-Match": etag}), 412, "precondition_failed")
        assert client.get(path, headers=user_headers).get_json()["name"] == outfit["name"]
        races.clear()
        assert write(user_headers).status_code in (200, 204)  # applied to the new version
    finally:
        event.remove(engine, "before_execute", concurrent_write)
    after = client.get(path, headers=user_headers)
    if method == "patch":
        assert (after.get_json()["name"], after.get_json()["note"]) == ("Mine", "theirs")
    else:
        assert_problem(after, 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put"])
def test_an_item_deleted_while_the_outfit_is_written_is_422_and_nothing_is_stored(
    app, client, user_headers, items, method
):
    """The catalogue item goes between the existence check and the INSERT of the items.

    PostgreSQL only: on SQLite the race cannot happen (the write already holds the database's
    single write lock when it checks the items, so the delete waits for it).
    """
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's single writer serialises the delete after this write")
    outfit = create_outfit(client, user_headers, items=items[:1])
    before = outfit_rows(app)
    deleted = []

    def concurrent_delete(_conn, clause, *_args) -> None:
        if isinstance(clause, Insert) and clause.table is OutfitItem.__table__ and not deleted:
            deleted.append(True)
            with db.engine.connect() as other:
                other.execute(text("DELETE FROM clothes WHERE id = :id"), {"id": items[2]})
                other.commit()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_execute", concurrent_delete)
    try:
        body = {"name": "Late", "items": [items[1], items[2]]}
        if method == "post":
            response = client.post("/outfits", json=body, headers=user_headers)
        else:
            response = client.put(f"/outfits/{outfit['id']}", json=body, headers=user_headers)
    finally:
        event.remove(engine, "before_execute", concurrent_delete)
    assert "items" in assert_problem(response, 422, "validation_error")["errors"]
    assert outfit_rows(app) == (before[0], before[1])
    assert client.get(f"/outfits/{outfit['id']}", headers=user_headers).get_json() == outfit
