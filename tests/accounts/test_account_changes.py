"""Account changes reach live sessions: role change (stale), deactivation, deletion.

As in test_sessions.py, every token the test holds is probed after each change.
"""

from __future__ import annotations

from app.extensions import db
from app.identity.models import User
from tests.support.data import PASSWORD
from tests.support.http import (
    access_result,
    assert_alive,
    assert_dead,
    assert_problem,
    bearer,
    refresh,
)
from tests.support.tokens import claims_of


def _promote(app, email: str) -> None:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["create-admin", email])
    assert result.exit_code == 0, result.output
    assert "Promoted admin" in result.output


def test_role_change_makes_access_tokens_stale(app, client, user, login):
    first, second = login(user), login(user)
    assert claims_of(first["access_token"])["role"] == "user"
    _promote(app, user.email)

    for pair in (first, second):
        assert access_result(client, pair["access_token"]) == "token_stale"
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200
    renewed = response.get_json()
    assert claims_of(renewed["access_token"])["role"] == "admin"
    assert claims_of(renewed["refresh_token"])["role"] == "admin"
    me = client.get("/auth/me", headers=bearer(renewed["access_token"]))
    assert me.get_json()["role"] == "admin"
    # The other session is stale, not ended: its refresh token brings it up to date.
    second = assert_alive(client, {**second, "access_token": renewed["access_token"]})
    assert claims_of(second["access_token"])["role"] == "admin"
    assert access_result(client, second["access_token"]) == 200


def _set_user(app, user_id: int, **values) -> None:
    with app.app_context():
        row = db.session.get(User, user_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def test_deactivated_user_is_revoked(app, client, make_user, user, login):
    first, second = login(user), login(user)
    bystander = login(make_user())
    _set_user(app, user.id, is_active=False)
    assert_dead(client, first)
    assert_dead(client, second)
    assert_alive(client, bystander)
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_problem(response, 401, "invalid_credentials")


def test_deleted_user_tokens_are_invalid(app, client, user, login):
    tokens = login(user)
    with app.app_context():
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()
    assert_dead(client, tokens, "token_invalid")


def test_reactivation_does_not_revive_ended_sessions(app, client, user, login):
    tokens = login(user)
    _set_user(app, user.id, is_active=False)
    assert access_result(client, tokens["access_token"]) == "token_revoked"
    _promote(app, user.email)  # create-admin reactivates the account...
    # ...but the sessions that deactivation ended stay ended.
    assert_dead(client, tokens)
    assert_alive(client, login(user))


def test_demotion_makes_admin_tokens_stale(app, client, admin, login):
    tokens = login(admin)
    _set_user(app, admin.id, role="user")
    assert access_result(client, tokens["access_token"]) == "token_stale"
    renewed = assert_alive(client, {**tokens, "access_token": login(admin)["access_token"]})
    assert claims_of(renewed["access_token"])["role"] == "user"


def test_deleted_users_token_never_becomes_another_users(app, client, make_user, login):
    """SQLite reuses the largest rowid after a delete: a new session must not inherit a sid.

    Otherwise the deleted user's token (same `sub`, same `sid`) would log in as the new user.
    """
    make_user()
    victim = make_user(email="gone@example.com")
    old = login(victim)
    with app.app_context():
        db.session.delete(db.session.get(User, victim.id))
        db.session.commit()
    newcomer = login(make_user(email="new@example.com"))
    assert claims_of(newcomer["access_token"])["sid"] != claims_of(old["access_token"])["sid"]
    assert_dead(client, old, "token_invalid")
    assert_alive(client, newcomer)
