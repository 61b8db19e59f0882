"""POST /auth/register and POST /auth/login: validation, normalisation, and what login hides."""

from __future__ import annotations

import argon2
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import User
from config import DevelopmentConfig, ProductionConfig
from tests.support.data import PASSWORD
from tests.support.http import assert_problem
from tests.support.tokens import claims_of

GOOD = {"email": "ada@example.com", "password": "a long passphrase", "name": "Ada"}


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(
    ("changes", "bad_fields"),
    [
        ({"email": None}, {"email"}),
        ({"password": None}, {"password"}),
        ({"email": None, "password": None}, {"email", "password"}),
        ({"email": "not-an-email"}, {"email"}),
        ({"email": "ada@"}, {"email"}),
        ({"email": 42}, {"email"}),
        ({"email": "a" * 250 + "@example.com"}, {"email"}),
        ({"password": "seven77"}, {"password"}),
        ({"password": "x" * 129}, {"password"}),
        ({"password": "password123"}, {"password"}),
        ({"password": "PASSWORD123"}, {"password"}),
        ({"password": "ada@example.com"}, {"password"}),
        ({"password": "ADA@example.com"}, {"password"}),
        ({"password": 12345678}, {"password"}),
        ({"name": "Ada\x00"}, {"name"}),
        ({"password": "a long pass\x00phrase"}, {"password"}),
        ({"name": "x" * 101}, {"name"}),
        ({"role": "admin"}, {"role"}),
        ({"is_admin": True}, {"is_admin"}),
        ({"id": 1}, {"id"}),
        ({"is_active": False}, {"is_active"}),
    ],
)
def test_register_validation(app, client, changes, bad_fields):
    body = {**GOOD, **changes}
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post("/auth/register", json=body)
    problem = assert_problem(response, 422, "validation_error")
    assert set(problem["errors"]) == bad_fields
    assert all(isinstance(messages, list) for messages in problem["errors"].values())
    assert user_count(app) == 0


@pytest.mark.parametrize("password", ["password123", "Tr0ub4dor&3" * 12])
def test_rejected_password_is_never_echoed(client, password):
    response = client.post("/auth/register", json={**GOOD, "password": password})
    assert_problem(response, 422, "validation_error")
    assert password not in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["name", "password", "email"])
def test_register_rejects_lone_surrogate(app, client, field):
    # json.dumps would escape a lone surrogate for us; write the raw escape by hand.
    values = {**GOOD, field: "PLACEHOLDER"}
    raw = str(values).replace("'", '"').replace("PLACEHOLDER", "abcdefgh\\ud800")
    response = client.post("/auth/register", data=raw, content_type="application/json")
    problem = assert_problem(response, 422, "validation_error")
    assert field in problem["errors"]
    assert user_count(app) == 0


def test_register_trims_and_lowercases_email(client):
    response = client.post("/auth/register", json={**GOOD, "email": "  Ada@EXAMPLE.com \t"})
    assert response.status_code == 201
    user = response.get_json()
    assert user["email"] == "ada@example.com"
    assert user["role"] == "user" and user["is_active"] is True and user["name"] == "Ada"
    assert set(user) == {
        "id",
        "email",
        "name",
        "role",
        "is_active",
        "email_verified",
        "created_at",
        "mfa_enabled",
    }
    assert user["email_verified"] is False
    assert user["mfa_enabled"] is False
    assert user["created_at"].endswith("Z")


def test_password_is_not_trimmed(client, login):
    assert client.post("/auth/register", json={**GOOD, "password": " padded pass "}).status_code
    login(GOOD["email"], " padded pass ")
    response = client.post("/auth/login", json={"email": GOOD["email"], "password": "padded pass"})
    assert_problem(response, 401, "invalid_credentials")


@pytest.mark.parametrize("password", ["k7#Qz!p2", "y" * 128])
def test_register_password_length_bounds(client, password):
    assert client.post("/auth/register", json={**GOOD, "password": password}).status_code == 201


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.COM", " ada@example.com "])
def test_duplicate_email_is_409(app, client, email):
    assert client.post("/auth/register", json=GOOD).status_code == 201
    response = client.post("/auth/register", json={**GOOD, "email": email})
    assert_problem(response, 409, "email_taken")
    assert user_count(app) == 1


# --- login --------------------------------------------------------------------------------


def test_login_response(app, client, make_user):
    user = make_user()
    response = client.post("/auth/login", json={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    assert claims_of(body["access_token"])["sub"] == str(user.id)


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "ada@example.com"}, {"password": PASSWORD}, {"email": "x", "password": "y"}],
)
def test_login_validation(client, body):
    assert_problem(client.post("/auth/login", json=body), 422, "validation_error")


def test_failed_logins_are_indistinguishable(client, make_user, verifications):
    make_user(email="known@example.com")
    make_user(email="inactive@example.com", is_active=False)
    attempts = [
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "known@example.com", "password": "wrong password!"},
        {"email": "inactive@example.com", "password": PASSWORD},
    ]
    bodies = set()
    for attempt in attempts:
        verifications.clear()
        response = client.post("/auth/login", json=attempt)
        assert_problem(response, 401, "invalid_credentials")
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert len(verifications) == 1, attempt
        bodies.add(response.data)
    assert len(bodies) == 1


def test_login_rehashes_when_parameters_change(app, client, make_user):
    user = make_user()
    old_hasher = argon2.PasswordHasher(time_cost=3, memory_cost=128, parallelism=2)
    with app.app_context():
        row = db.session.get(User, user.id)
        row.password_hash = old_hasher.hash(PASSWORD)
        db.session.commit()
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    params = argon2.extract_parameters(stored)
    assert (params.time_cost, params.memory_cost, params.parallelism) == (
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_MEMORY_COST_KIB"],
        app.config["ARGON2_PARALLELISM"],
    )
    assert params.type is argon2.Type.ID
    assert argon2.PasswordHasher().verify(stored, PASSWORD)


def test_failed_login_does_not_rehash(app, client, make_user):
    user = make_user()
    old_hash = argon2.PasswordHasher(time_cost=3, memory_cost=128, parallelism=2).hash(PASSWORD)
    with app.app_context():
        db.session.get(User, user.id).password_hash = old_hash
        db.session.commit()
    client.post("/auth/login", json={"email": user.email, "password": "wrong password!"})
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == old_hash


def test_hashes_are_argon2id_and_never_shown(app, client):
    response = client.post("/auth/register", json=GOOD)
    assert "hash" not in response.get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.email == GOOD["email"]))
    assert stored.startswith("$argon2id$")


@pytest.mark.parametrize("config", [ProductionConfig, DevelopmentConfig])
def test_real_hash_parameters_meet_owasp(config):
    assert config.ARGON2_MEMORY_COST_KIB >= 19_456
    assert config.ARGON2_TIME_COST >= 2
    assert config.ARGON2_PARALLELISM >= 1


def test_login_rejects_unknown_fields(client, make_user):
    user = make_user()
    body = {"email": user.email, "password": PASSWORD, "remember_me": True}
    problem = assert_problem(client.post("/auth/login", json=body), 422, "validation_error")
    assert set(problem["errors"]) == {"remember_me"}


def test_passwords_are_nfkc_normalised(client, login):
    composed, decomposed = "caf\u00e9 au lait!", "cafe\u0301 au lait!"
    assert client.post("/auth/register", json={**GOOD, "password": composed}).status_code == 201
    login(GOOD["email"], composed)
    login(GOOD["email"], decomposed)
    login(GOOD["email"], "\uff43af\u00e9 au lait!")  # fullwidth c: NFKC makes it "c"
    response = client.post(
        "/auth/login", json={"email": GOOD["email"], "password": "cafe au lait!"}
    )
    assert_problem(response, 401, "invalid_credentials")
