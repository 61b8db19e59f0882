"""/clothes: who may call what, create/replace/patch/delete, ETags and If-Match, seed-demo."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from app.clothes.models import ClothingItem
from app.database import utcnow
from app.extensions import db
from tests.support.data import ITEM
from tests.support.http import assert_problem

FULL_ITEM = {
    **ITEM,
    "stock": 7,
    "photo_url": "https://images.example.com/shirt.jpg",
    "description": "Breathable.",
}
ITEM_FIELDS = {
    "id",
    "name",
    "category",
    "size",
    "color",
    "price",
    "stock",
    "photo_url",
    "description",
    "created_at",
    "updated_at",
}


@pytest.fixture
def make_item(client, admin_headers):
    def make(**fields) -> dict:
        response = client.post("/clothes", json={**ITEM, **fields}, headers=admin_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


def item_count(client, headers) -> int:
    return len(client.get("/clothes?limit=100", headers=headers).get_json()["items"])


# (method, path, body, status for an admin); {id} is an existing item.
ROUTES = [
    ("GET", "/clothes", None, 200),
    ("POST", "/clothes", ITEM, 201),
    ("GET", "/clothes/{id}", None, 200),
    ("PUT", "/clothes/{id}", ITEM, 200),
    ("PATCH", "/clothes/{id}", {"stock": 3}, 200),
    ("DELETE", "/clothes/{id}", None, 204),
]
READS = {"GET"}


@pytest.mark.parametrize(("method", "path", "body", "admin_status"), ROUTES)
@pytest.mark.parametrize("role", [None, "user", "admin"])
def test_every_route_checks_the_role(
    client, headers_for, make_item, role, method, path, body, admin_status
):
    url = path.format(id=make_item()["id"])
    response = client.open(url, method=method, json=body, headers=headers_for(role))
    if role is None:
        assert_problem(response, 401, "token_missing")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    elif role == "user" and method not in READS:
        assert_problem(response, 403, "forbidden")
    else:
        assert response.status_code == admin_status, response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_non_admin_gets_403_even_for_a_missing_item(client, user_headers, method):
    body = ITEM if method == "PUT" else None
    response = client.open("/clothes/424242", method=method, json=body, headers=user_headers)
    assert_problem(response, 403, "forbidden")


def test_create_returns_location_etag_and_the_item(client, admin_headers):
    response = client.post("/clothes", json=FULL_ITEM, headers=admin_headers)
    assert response.status_code == 201
    item = response.get_json()
    assert set(item) == ITEM_FIELDS
    assert response.headers["Location"] == f"/clothes/{item['id']}"
    assert item["price"] == "39.90" and item["stock"] == 7
    assert item["created_at"].endswith("Z")
    fetched = client.get(response.headers["Location"], headers=admin_headers)
    assert fetched.get_json() == item
    assert fetched.headers["ETag"] == response.headers["ETag"]
    assert fetched.headers["ETag"].startswith('"')  # strong: no W/ prefix


def test_optional_fields_take_defaults(client, admin_headers):
    item = client.post("/clothes", json=ITEM, headers=admin_headers).get_json()
    assert (item["stock"], item["photo_url"], item["description"]) == (0, None, "")


@pytest.mark.parametrize(
    "extra",
    [{"id": 99}, {"created_at": "2020-01-01T00:00:00Z"}, {"updated_at": "x"}, {"discount": 5}],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_mass_assignment_is_refused_and_nothing_is_written(
    client, admin_headers, make_item, extra, method
):
    before = make_item()
    url = "/clothes" if method == "POST" else f"/clothes/{before['id']}"
    response = client.open(
        url, method=method, json={**ITEM, "stock": 1, **extra}, headers=admin_headers
    )
    body = assert_problem(response, 422, "validation_error")
    assert set(body["errors"]) == set(extra)
    assert item_count(client, admin_headers) == 1
    assert client.get(f"/clothes/{before['id']}", headers=admin_headers).get_json() == before


def test_put_replaces_everything_and_resets_omitted_fields(client, admin_headers, make_item):
    item = make_item(**FULL_ITEM)
    replacement = {"name": "Wool Coat", "category": "outerwear", "size": "L", "color": "Camel"}
    response = client.put(
        f"/clothes/{item['id']}", json={**replacement, "price": "120"}, headers=admin_headers
    )
    assert response.status_code == 200
    new = response.get_json()
    assert {k: new[k] for k in replacement} == replacement
    assert (new["price"], new["stock"], new["photo_url"], new["description"]) == (
        "120.00",
        0,
        None,
        "",
    )
    assert new["id"] == item["id"] and new["created_at"] == item["created_at"]


def test_put_needs_every_required_field(client, admin_headers, make_item):
    item = make_item()
    response = client.put(
        f"/clothes/{item['id']}", json={"name": "Only a name"}, headers=admin_headers
    )
    body = assert_problem(response, 422, "validation_error")
    assert set(body["errors"]) == {"category", "size", "color", "price"}


def test_patch_changes_only_what_is_sent(client, admin_headers, make_item):
    item = make_item(**FULL_ITEM)
    response = client.patch(f"/clothes/{item['id']}", json={"stock": 0}, headers=admin_headers)
    assert response.status_code == 200
    assert response.get_json() == {
        **item,
        "stock": 0,
        "updated_at": response.get_json()["updated_at"],
    }
    unchanged = client.patch(f"/clothes/{item['id']}", json={}, headers=admin_headers)
    assert unchanged.status_code == 200 and unchanged.get_json()["stock"] == 0


def test_invalid_patch_changes_nothing(client, admin_headers, make_item):
    item = make_item()
    response = client.patch(
        f"/clothes/{item['id']}", json={"stock": 5, "price": "1.234"}, headers=admin_headers
    )
    assert set(assert_problem(response, 422, "validation_error")["errors"]) == {"price"}
    assert client.get(f"/clothes/{item['id']}", headers=admin_headers).get_json() == item


def test_delete_then_get_is_404(client, admin_headers, make_item):
    item = make_item()
    assert client.delete(f"/clothes/{item['id']}", headers=admin_headers).status_code == 204
    assert_problem(client.get(f"/clothes/{item['id']}", headers=admin_headers), 404, "not_found")
    assert_problem(client.delete(f"/clothes/{item['id']}", headers=admin_headers), 404, "not_found")


@pytest.mark.parametrize(("body", "status"), [(None, 204), ({}, 204), ({"force": True}, 422)])
def test_delete_takes_no_body(client, admin_headers, make_item, body, status):
    response = client.delete(f"/clothes/{make_item()['id']}", json=body, headers=admin_headers)
    assert response.status_code == status


@pytest.mark.parametrize(
    "path", ["/clothes/abc", "/clothes/0", "/clothes/-1", "/clothes/99999999999999999999999"]
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_impossible_ids_are_404(client, admin_headers, path, method):
    assert_problem(
        client.open(path, method=method, json={}, headers=admin_headers), 404, "not_found"
    )


def test_missing_item_is_404(client, admin_headers):
    assert_problem(client.get("/clothes/2147483647", headers=admin_headers), 404, "not_found")
    assert_problem(
        client.put("/clothes/2147483647", json=ITEM, headers=admin_headers), 404, "not_found"
    )


class TestIfMatch:
    def etag(self, client, admin_headers, item_id: int) -> str:
        return client.get(f"/clothes/{item_id}", headers=admin_headers).headers["ETag"]

    @pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
    @pytest.mark.parametrize("tag", ['"not-the-etag"', "W/{etag}", "garbage", ""])
    def test_a_mismatch_is_412_and_nothing_changes(
        self, client, admin_headers, make_item, method, tag
    ):
        item = make_item()
        tag = tag.format(etag=self.etag(client, admin_headers, item["id"]))
        body = {"PUT": {**ITEM, "stock": 9}, "PATCH": {"stock": 9}, "DELETE": None}[method]
        response = client.open(
            f"/clothes/{item['id']}",
            method=method,
            json=body,
            headers={**admin_headers, "If-Match": tag},
        )
        assert_problem(response, 412, "precondition_failed")
        assert client.get(f"/clothes/{item['id']}", headers=admin_headers).get_json() == item

    def test_the_current_etag_matches_once(self, client, admin_headers, make_item):
        item = make_item()
        first = self.etag(client, admin_headers, item["id"])
        url = f"/clothes/{item['id']}"
        updated = client.patch(url, json={"stock": 1}, headers={**admin_headers, "If-Match": first})
        assert updated.status_code == 200
        assert updated.headers["ETag"] not in (first, None)
        assert updated.headers["ETag"] == self.etag(client, admin_headers, item["id"])
        again = client.patch(url, json={"stock": 2}, headers={**admin_headers, "If-Match": first})
        assert_problem(again, 412, "precondition_failed")
        listed = client.patch(
            url,
            json={"stock": 3},
            headers={**admin_headers, "If-Match": f'"x", {updated.headers["ETag"]}'},
        )
        assert listed.status_code == 200

    def test_star_matches_any_existing_item(self, client, admin_headers, make_item):
        item = make_item()
        url = f"/clothes/{item['id']}"
        star = {**admin_headers, "If-Match": "*"}
        assert client.put(url, json=ITEM, headers=star).status_code == 200
        assert client.delete(url, headers=star).status_code == 204
        assert_problem(client.delete(url, headers=star), 404, "not_found")


class TestIfNoneMatch:
    """GET /clothes/{id} answers 304, with the ETag and no body, for a copy that is current."""

    @pytest.mark.parametrize(
        "spelling", ["{etag}", "W/{etag}", '"other", {etag}', '"other", W/{etag}', "*"]
    )
    def test_a_current_copy_is_304_without_a_body(self, client, admin_headers, make_item, spelling):
        item = make_item()
        url = f"/clothes/{item['id']}"
        etag = client.get(url, headers=admin_headers).headers["ETag"]
        response = client.get(
            url, headers={**admin_headers, "If-None-Match": spelling.format(etag=etag)}
        )
        assert response.status_code == 304
        assert response.headers["ETag"] == etag
        assert response.get_data() == b""

    @pytest.mark.parametrize("spelling", ['"not-the-etag"', 'W/"not-the-etag"', "garbage", ""])
    def test_a_stale_or_foreign_tag_gets_the_item(self, client, admin_headers, make_item, spelling):
        item = make_item()
        response = client.get(
            f"/clothes/{item['id']}", headers={**admin_headers, "If-None-Match": spelling}
        )
        assert response.status_code == 200
        assert response.get_json() == item

    def test_a_changed_item_is_sent_again(self, client, admin_headers, make_item):
        item = make_item()
        url = f"/clothes/{item['id']}"
        old = client.get(url, headers=admin_headers).headers["ETag"]
        assert client.patch(url, json={"stock": 7}, headers=admin_headers).status_code == 200
        response = client.get(url, headers={**admin_headers, "If-None-Match": old})
        assert response.status_code == 200
        assert response.get_json()["stock"] == 7
        assert response.headers["ETag"] != old

    def test_it_still_needs_a_token_and_an_existing_item(self, client, admin_headers):
        assert_problem(
            client.get("/clothes/1", headers={"If-None-Match": "*"}), 401, "token_missing"
        )
        missing = client.get("/clothes/2147483647", headers={**admin_headers, "If-None-Match": "*"})
        assert_problem(missing, 404, "not_found")

    def test_the_openapi_document_declares_it(self, client):
        operation = client.get("/openapi.json").get_json()["paths"]["/clothes/{item_id}"]["get"]
        assert "304" in operation["responses"]
        assert {"in": "header", "name": "If-None-Match"}.items() <= operation["parameters"][
            0
        ].items()


def test_a_write_racing_another_one_never_loses_it(client, admin_headers, make_item):
    """Another connection commits between this request's read and its UPDATE."""
    item = make_item()
    url = f"/clothes/{item['id']}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    races = []

    def concurrent_write(_mapper, _connection, _target) -> None:
        if not races:
            races.append(True)
            with db.engine.connect() as other:
                table = ClothingItem.__table__
                other.execute(
                    update(table)
                    .where(table.c.id == item["id"])
                    .values(stock=42, updated_at=utcnow())
                )
                other.commit()

    event.listen(ClothingItem, "before_update", concurrent_write)
    try:
        stale = client.patch(
            url, json={"name": "Mine"}, headers={**admin_headers, "If-Match": etag}
        )
        assert_problem(stale, 412, "precondition_failed")
        assert client.get(url, headers=admin_headers).get_json()["name"] == item["name"]
        races.clear()
        unconditional = client.patch(url, json={"name": "Mine"}, headers=admin_headers)
        assert unconditional.status_code == 200
        assert (unconditional.get_json()["name"], unconditional.get_json()["stock"]) == ("Mine", 42)
    finally:
        event.remove(ClothingItem, "before_update", concurrent_write)


def test_seed_demo_inserts_valid_items_and_can_run_twice(app, client, admin_headers):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--count", "30"])
    assert result.exit_code == 0, result.output
    assert "Inserted 30" in result.output
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    items = client.get("/clothes?limit=100", headers=admin_headers).get_json()["items"]
    assert len(items) == 80
    for item in items:
        # Every seeded row is one the API itself would accept.
        body = {k: item[k] for k in ITEM_FIELDS - {"id", "created_at", "updated_at"}}
        assert client.post("/clothes", json=body, headers=admin_headers).status_code == 201
    bad = runner.invoke(args=["seed-demo", "--count", "0"])
    assert bad.exit_code != 0
