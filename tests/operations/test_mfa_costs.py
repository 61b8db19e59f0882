"""What a two-step login costs: one password hash, and a fixed, small set of statements."""

from __future__ import annotations

from tests.support.database import sql_statements
from tests.support.mfa import (
    clear_of_step_boundary,
    enrolled_user,
    first_step,
    forget_last_step,
    pin,
    second_step,
)


def verbs(seen: list[str]) -> list[str]:
    return [statement.strip().split()[0].upper() for statement in seen]


def test_a_two_step_login_verifies_one_password(app, client, user, verifications):
    enrolled = enrolled_user(client, user)
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    verifications.clear()
    token = first_step(client, user.email)
    assert len(verifications) == 1
    assert second_step(client, token, code=pin(enrolled.secret)).status_code == 200
    assert len(verifications) == 1  # the second step verifies no password


def test_the_two_steps_cost_a_fixed_set_of_statements(app, client, user):
    enrolled = enrolled_user(client, user)
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    with sql_statements(app) as first:
        token = first_step(client, user.email)
    # the user, as for any login: issuing the mfa_token writes nothing
    assert verbs(first) == ["SELECT"]
    with sql_statements(app) as second:
        assert second_step(client, token, code=pin(enrolled.secret)).status_code == 200
    # the user with the attempt's state, the pin's step, the session (which uses the attempt
    # up: nothing else records a successful step)
    assert verbs(second) == ["SELECT", "UPDATE", "INSERT"]
