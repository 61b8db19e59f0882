"""The object rule of outfits (app/security/object_rules.py), as every caller meets it.

A BOLA matrix: every operation on one outfit x {owner, other user, admin, deactivated
user, anonymous} x {private, public}, and the same for an id that does not exist. Then the
proof that no statement reads the outfits table outside a declared scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Delete, Select, Update, event, select

from app.extensions import db
from app.identity.events import account_closed
from app.outfits.models import Outfit
from app.outfits.queries import SCOPES
from app.security.object_rules import SCOPE_OPTION
from app.users.services import update_user
from tests.support.http import assert_problem, bearer
from tests.support.outfits import create_outfit

OPERATIONS = {
    "get": lambda client, path, headers: client.get(path, headers=headers),
    "put": lambda client, path, headers: client.put(path, json={"name": "Mine"}, headers=headers),
    "patch": lambda client, path, headers: client.patch(path, json={"note": "x"}, headers=headers),
    "delete": lambda client, path, headers: client.delete(path, headers=headers),
}
SUCCESS = {"get": 200, "put": 200, "patch": 200, "delete": 204}
CALLERS = ["owner", "other", "admin", "deactivated", "anonymous"]


def expected(operation: str, caller: str, visibility: str) -> tuple[int, str | None]:
    """What the rule says: (status, problem code or None for a success)."""
    if caller == "anonymous":
        return 401, "token_missing"
    if caller == "deactivated":
        return 401, "token_revoked"
    if caller == "owner" or (caller == "admin" and operation in ("get", "delete")):
        return SUCCESS[operation], None
    if caller == "admin":
        # An admin reads every outfit, so knows it exists; it may not change another's.
        return 403, "forbidden"
    if visibility == "public" and operation == "get":
        return 200, None
    # Anyone else may not touch it: the answer for an id that does not exist.
    return 404, "not_found"


@pytest.fixture
def headers(app, client, make_user, login, admin_headers, item) -> dict[str, dict[str, str]]:
    """Headers of each caller; the catalogue holds `item`."""
    owner, other, gone = make_user(), make_user(), make_user()
    callers = {
        "owner": bearer(login(owner)["access_token"]),
        "other": bearer(login(other)["access_token"]),
        "admin": admin_headers,
        "deactivated": bearer(login(gone)["access_token"]),
        "anonymous": {},
    }
    with app.app_context():
        update_user(gone.id, is_active=False)
    return callers


@pytest.mark.parametrize("visibility", ["private", "public"])
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_caller_gets_what_the_rule_says(client, headers, item, operation, caller, visibility):
    outfit = create_outfit(client, headers["owner"], visibility=visibility, items=[item["id"]])
    path = f"/outfits/{outfit['id']}"
    response = OPERATIONS[operation](client, path, headers[caller])
    status, code = expected(operation, caller, visibility)
    if code is not None:
        assert_problem(response, status, code)
    else:
        assert response.status_code == status, response.get_json()
    after = client.get(path, headers=headers["owner"])
    if operation == "delete" and status == 204:
        assert_problem(after, 404, "not_found")
    elif operation != "get" and status != 200:
        assert after.get_json() == outfit  # a refused write changed nothing


@pytest.mark.parametrize(
    ("caller", "status"),
    [("anonymous", 401), ("deactivated", 401), ("other", 200), ("admin", 200)],
)
@pytest.mark.parametrize(
    ("method", "path"), [("get", "/outfits"), ("get", "/outfits/public"), ("post", "/outfits")]
)
def test_lists_and_create_are_for_any_active_user(client, headers, caller, status, method, path):
    body = {"json": {"name": "Mine"}} if method == "post" else {}
    response = getattr(client, method)(path, headers=headers[caller], **body)
    if status == 401:
        assert response.status_code == 401
    else:
        assert response.status_code == (201 if method == "post" else 200), response.get_json()


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_id_that_does_not_exist(client, headers, operation, caller):
    response = OPERATIONS[operation](client, "/outfits/999", headers[caller])
    if caller in ("anonymous", "deactivated"):
        assert response.status_code == 401
    else:
        assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_another_users_private_outfit_is_byte_identical_to_a_missing_one(
    client, headers, operation
):
    outfit = create_outfit(client, headers["owner"])
    hidden = OPERATIONS[operation](client, f"/outfits/{outfit['id']}", headers["other"])
    missing = OPERATIONS[operation](client, f"/outfits/{outfit['id'] + 1000}", headers["other"])
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data() == missing.get_data()
    shown = [(k, v) for k, v in hidden.headers if k != "X-Request-ID"]
    assert shown == [(k, v) for k, v in missing.headers if k != "X-Request-ID"]


def test_a_deactivated_owners_public_outfits_are_hidden_but_not_from_admins(
    app, client, headers, make_user, login
):
    owner = make_user()
    owner_headers = bearer(login(owner)["access_token"])
    outfit = create_outfit(client, owner_headers, visibility="public")
    path = f"/outfits/{outfit['id']}"
    assert client.get(path, headers=headers["other"]).status_code == 200
    with app.app_context():
        update_user(owner.id, is_active=False)
    assert_problem(client.get(path, headers=headers["other"]), 404, "not_found")
    public = client.get("/outfits/public", headers=headers["other"]).get_json()
    assert outfit["id"] not in [listed["id"] for listed in public["items"]]
    assert client.get(path, headers=headers["admin"]).status_code == 200
    with app.app_context():
        update_user(owner.id, is_active=True)
    assert client.get(path, headers=headers["other"]).status_code == 200


# --- every statement reading the outfits table goes through a declared scope -------------


@contextmanager
def outfit_statements(app) -> Iterator[list[tuple[object, dict]]]:
    """Every SELECT, UPDATE or DELETE of the outfits table run inside the block, with its
    execution options."""
    seen: list[tuple[object, dict]] = []

    def before_execute(_conn, clause, _multiparams, _params, execution_options) -> None:
        if reads_outfits(clause):
            seen.append((clause, {**clause.get_execution_options(), **execution_options}))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_execute", before_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_execute", before_execute)


def reads_outfits(clause: object) -> bool:
    table = Outfit.__table__
    if isinstance(clause, Select):
        return table in clause.get_final_froms()
    return isinstance(clause, Update | Delete) and clause.table is table


def unscoped(statements: list[tuple[object, dict]]) -> list[str]:
    """The statements that carry no declared scope: named, and with its condition in WHERE."""
    scopes = {scope.name: scope for scope in SCOPES.all()}
    wrong = []
    for clause, options in statements:
        scope = scopes.get(options.get(SCOPE_OPTION))
        if scope is None or not any(c is scope.condition for c in clause._where_criteria):
            wrong.append(str(clause))
    return wrong


def test_the_guard_recognises_an_unscoped_query(app):
    with outfit_statements(app) as seen, app.app_context():
        db.session.execute(select(Outfit.id)).all()
        db.session.execute(select(Outfit.id).execution_options(**{SCOPE_OPTION: "owned_by"}))
    assert len(unscoped(seen)) == 2


def test_every_outfit_query_goes_through_a_declared_scope(app, client, headers, item):
    owner, admin, other = headers["owner"], headers["admin"], headers["other"]
    with outfit_statements(app) as seen:
        first = create_outfit(client, owner, visibility="public", items=[item["id"]])
        second = create_outfit(client, owner)
        path = f"/outfits/{first['id']}"
        for caller in (owner, admin, other):
            client.get(path, headers=caller)
            client.get(f"/outfits/{second['id']}", headers=caller)
            client.get("/outfits?visibility=public&sort=-name&limit=1", headers=caller)
            client.get("/outfits/public?limit=1", headers=caller)
        cursor = client.get("/outfits?limit=1", headers=owner).get_json()["next_cursor"]
        client.get("/outfits", query_string={"limit": 1, "cursor": cursor}, headers=owner)
        client.put(path, json={"name": "A", "items": []}, headers=owner)
        client.patch(path, json={"name": "B"}, headers=admin)
        client.delete(path, headers=other)
        client.delete(path, headers=admin)
        client.delete(f"/outfits/{second['id']}", headers=owner)
        create_outfit(client, other)
        with app.app_context():
            account_closed.send(None, user_id=2)
            db.session.commit()
    used = {options.get(SCOPE_OPTION) for _clause, options in seen}
    assert used == {scope.name for scope in SCOPES.all()}  # every scope was exercised
    assert unscoped(seen) == []
