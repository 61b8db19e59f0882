"""A mailbox or a password alone never passes a second factor: the reset link and closing.

For a user with one-time pins on, `POST /auth/password-reset/confirm` and `DELETE /auth/me`
also need a pin or a recovery code (app/accounts/second_factor.py); without one nothing
changes, and wrong pins spend the same per-account budget as the login's second step.
"""

from __future__ import annotations

import pytest

from tests.support.data import PASSWORD
from tests.support.http import assert_problem
from tests.support.mail import latest_token
from tests.support.mfa import clear_of_step_boundary, enrolled_user, forget_last_step, pin

NEW_PASSWORD = "a brand new passphrase"


def reset_link(app, client, user) -> str:
    assert client.post("/auth/password-reset", json={"email": user.email}).status_code == 202
    return latest_token(app, user.email)


def confirm(client, token: str, **proof: str):
    body = {"token": token, "new_password": NEW_PASSWORD, **proof}
    return client.post("/auth/password-reset/confirm", json=body)


def password_works(client, user, password: str) -> bool:
    answer = client.post("/auth/login", json={"email": user.email, "password": password})
    return answer.status_code == 401 and answer.get_json()["code"] == "mfa_required"


def test_a_reset_link_alone_is_401_mfa_required_and_changes_nothing(app, client, user):
    enrolled_user(client, user)
    token = reset_link(app, client, user)
    assert_problem(confirm(client, token), 401, "mfa_required")
    assert password_works(client, user, PASSWORD)
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    assert_problem(confirm(client, token, code="000000"), 401, "mfa_invalid")
    assert password_works(client, user, PASSWORD)


def test_a_reset_link_with_a_pin_sets_the_password(app, client, user):
    enrolled = enrolled_user(client, user)
    token = reset_link(app, client, user)
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    assert confirm(client, token, code=pin(enrolled.secret)).status_code == 204
    assert password_works(client, user, NEW_PASSWORD)
    assert not password_works(client, user, PASSWORD)


def test_a_reset_link_with_a_recovery_code_uses_the_code_up(app, client, user):
    enrolled = enrolled_user(client, user)
    code = enrolled.recovery_codes[0]
    assert confirm(client, reset_link(app, client, user), recovery_code=code).status_code == 204
    again = confirm(client, reset_link(app, client, user), recovery_code=code)
    assert_problem(again, 401, "mfa_invalid")


@pytest.mark.parametrize("app_overrides", [{"LOGIN_ACCOUNT_RATE_LIMIT": "2 per hour"}])
def test_wrong_pins_through_reset_links_spend_the_accounts_budget(app, client, user):
    enrolled_user(client, user)
    token = reset_link(app, client, user)
    for _ in range(2):
        assert_problem(confirm(client, token, code="000000"), 401, "mfa_invalid")
    assert_problem(confirm(client, token, code="000000"), 429, "rate_limited")


def test_closing_an_account_with_pins_on_needs_a_pin(app, client, user):
    enrolled = enrolled_user(client, user)
    headers = enrolled.headers
    refused = client.delete("/auth/me", json={"current_password": PASSWORD}, headers=headers)
    assert_problem(refused, 401, "mfa_required")
    assert client.get("/auth/me", headers=headers).status_code == 200
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    body = {"current_password": PASSWORD, "code": pin(enrolled.secret)}
    assert client.delete("/auth/me", json=body, headers=headers).status_code == 204
    assert client.get("/auth/me", headers=headers).status_code == 401
