"""Emails that look the same are one account; passwords are compared in NFKC form."""

from __future__ import annotations

import argon2
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import User
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer

ADA = "ada@example.com"


def register(client, email: str, password: str = PASSWORD):
    return client.post("/auth/register", json={"email": email, "password": password})


def user_emails(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(User.email).order_by(User.id)))


@pytest.mark.parametrize(
    "look_alike",
    [
        "\uff41da@example.com",  # fullwidth a
        "ada@\uff45xample.com",  # fullwidth e in the domain
        "ADA@EXAMPLE.COM",
        "\uff21\uff24\uff21@example.com",  # fullwidth capitals
    ],
)
def test_a_look_alike_that_normalises_to_the_same_address_is_taken(app, client, look_alike):
    assert register(client, ADA).status_code == 201
    assert_problem(register(client, look_alike), 409, "email_taken")
    assert user_emails(app) == [ADA]


@pytest.mark.parametrize(
    ("look_alike", "says"),
    [
        ("ada@example.com\u200b", "ZERO WIDTH SPACE"),
        ("a\u200dda@example.com", "ZERO WIDTH JOINER"),
        ("\u0430da@example.com", "scripts"),  # Cyrillic a among Latin letters
        ("ada@ex\u0430mple.com", "scripts"),  # Cyrillic a in the domain
    ],
)
def test_invisible_and_mixed_script_look_alikes_are_refused(app, client, look_alike, says):
    assert register(client, ADA).status_code == 201
    problem = assert_problem(register(client, look_alike), 422, "validation_error")
    assert says in " ".join(problem["errors"]["email"])
    assert user_emails(app) == [ADA]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ada@xn--bcher-kva.example", "ada@bücher.example"),  # IDNA: one domain, two spellings
        ("ada@B\u00dcCHER.example", "ada@bücher.example"),
        ("\u0438\u0432\u0430\u043d@example.com", "иван@example.com"),  # one script: allowed
        ("taro.\u5c71\u7530\u3072\u3089\u304c\u306a@example.jp", "taro.山田ひらがな@example.jp"),
    ],
)
def test_addresses_are_stored_in_one_canonical_form(app, client, typed, stored):
    response = register(client, typed)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["email"] == stored
    assert user_emails(app) == [stored]


def test_login_normalises_the_email_as_registration_does(client, make_user, login):
    make_user(email=ADA)
    for typed in ("\uff41da@example.com", "ada@\uff45xample.com", " ADA@example.com "):
        assert login(typed)["access_token"]
    # A mixed-script look-alike is no account: the same 401 as any unknown email.
    response = client.post(
        "/auth/login", json={"email": "\u0430da@example.com", "password": PASSWORD}
    )
    assert_problem(response, 401, "invalid_credentials")


def test_login_still_finds_an_account_stored_before_the_script_rule(client, make_user, login):
    make_user(email="\u0430da@example.com")
    assert login("\u0430da@example.com")["access_token"]


@pytest.mark.parametrize(
    "password",
    [
        " " * 12,
        "\u200b" * 12,  # zero-width spaces
        "\u3000\u00a0\t\u2028\u200d\ufeff\u3164\u2800\u180e\u2060\u200c\u200e",
    ],
)
def test_a_password_of_only_invisible_characters_is_refused(app, client, tokens, password):
    problem = assert_problem(register(client, ADA, password), 422, "validation_error")
    assert "visible characters" in " ".join(problem["errors"]["password"])
    assert user_emails(app) == ["user1@example.com"]
    body = {"current_password": PASSWORD, "new_password": password}
    response = client.put("/auth/password", json=body, headers=bearer(tokens["access_token"]))
    problem = assert_problem(response, 422, "validation_error")
    assert "visible characters" in " ".join(problem["errors"]["new_password"])


def test_a_password_with_spaces_and_letters_is_fine(client):
    assert register(client, ADA, "  a long passphrase  ").status_code == 201


def test_a_changed_password_is_checked_in_nfkc_form(client, tokens, login, make_user):
    composed, decomposed = "caf\u00e9 au lait!", "cafe\u0301 au lait!"
    body = {"current_password": PASSWORD, "new_password": decomposed}
    response = client.put("/auth/password", json=body, headers=bearer(tokens["access_token"]))
    assert response.status_code == 204
    assert login("user1@example.com", composed)["access_token"]


def test_a_hash_of_an_unnormalised_password_still_verifies_and_is_upgraded(
    app, client, make_user, verifications
):
    """Hashes made before normalisation hashed the password as typed (here NFD)."""
    decomposed = "cafe\u0301 au lait!"
    user = make_user()
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    with app.app_context():
        db.session.get(User, user.id).password_hash = hasher.hash(decomposed)
        db.session.commit()

    body = {"email": user.email, "password": decomposed}
    assert client.post("/auth/login", json=body).status_code == 200
    assert len(verifications) == 2  # the NFKC form, then the form as typed
    with app.app_context():
        upgraded = db.session.get(User, user.id).password_hash
    assert hasher.verify(upgraded, "caf\u00e9 au lait!")  # now the NFKC form

    verifications.clear()
    assert client.post("/auth/login", json=body).status_code == 200
    assert len(verifications) == 1


def test_unknown_email_costs_what_a_wrong_unnormalised_password_costs(
    client, make_user, verifications
):
    """Two verifications for a password NFKC changes, known email or not: timing stays equal."""
    make_user(email=ADA)
    for email in (ADA, "nobody@example.com"):
        verifications.clear()
        body = {"email": email, "password": "cafe\u0301 au lait!"}
        assert_problem(client.post("/auth/login", json=body), 401, "invalid_credentials")
        assert len(verifications) == 2, email


def test_user_count_is_one_after_every_look_alike(app, client):
    for email in (ADA, "\uff41da@example.com", "ada@example.com\u200b", "\u0430da@example.com"):
        register(client, email)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
