"""A pin is accepted once across app instances sharing the database (and Redis under
`make test-pg`): two create_app instances stand for two workers or hosts."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.support.mfa import (
    clear_of_step_boundary,
    enrolled_user,
    first_step,
    forget_last_step,
    pin,
    second_step,
)
from tests.support.settings import GENEROUS_LIMITS, TEST_SECRETS


@pytest.fixture
def other_app(app: Flask, backend_settings: dict) -> Iterator[Flask]:
    """A second instance on the same database and Redis as `app`."""
    other = create_app("testing", {**backend_settings, **TEST_SECRETS, **GENEROUS_LIMITS})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_pin_used_on_one_instance_is_refused_on_the_other(app, other_app, client, user):
    enrolled = enrolled_user(client, user)
    other_client = other_app.test_client()
    forget_last_step(app, user.id)
    clear_of_step_boundary(margin=4)
    tokens = [first_step(client, user.email), first_step(other_client, user.email)]
    code = pin(enrolled.secret)
    assert second_step(client, tokens[0], code=code).status_code == 200
    replay = second_step(other_client, tokens[1], code=code)
    assert replay.status_code == 401 and replay.get_json()["code"] == "mfa_invalid"


def test_of_two_concurrent_logins_with_one_pin_exactly_one_wins(app, other_app, client, user):
    enrolled = enrolled_user(client, user)
    clients = [client, other_app.test_client()]
    forget_last_step(app, user.id)
    clear_of_step_boundary(margin=6)
    tokens = [first_step(each, user.email) for each in clients]
    code = pin(enrolled.secret)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def attempt(index: int) -> None:
        barrier.wait()
        statuses.append(second_step(clients[index], tokens[index], code=code).status_code)

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 401]


def test_of_two_concurrent_second_steps_with_one_token_exactly_one_wins(other_app, client, user):
    """The session's INSERT is the token's single use: the unique index on its mfa_jti
    decides between instances, and the loser's recovery code stays unused."""
    enrolled = enrolled_user(client, user)
    clients = [client, other_app.test_client()]
    token = first_step(client, user.email)
    codes = enrolled.recovery_codes[:2]
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str | None, str]] = []

    def attempt(index: int) -> None:
        barrier.wait()
        response = second_step(clients[index], token, recovery_code=codes[index])
        answers.append((response.status_code, response.get_json().get("code"), codes[index]))

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _, _ in answers) == [200, 401]
    (loser,) = [answer for answer in answers if answer[0] == 401]
    assert loser[1] == "token_invalid"
    again = second_step(client, first_step(client, user.email), recovery_code=loser[2])
    assert again.status_code == 200


def test_a_recovery_code_used_on_one_instance_is_refused_on_the_other(other_app, client, user):
    enrolled = enrolled_user(client, user)
    other_client = other_app.test_client()
    code = enrolled.recovery_codes[0]
    assert (
        second_step(client, first_step(client, user.email), recovery_code=code).status_code == 200
    )
    again = second_step(other_client, first_step(other_client, user.email), recovery_code=code)
    assert again.status_code == 401 and again.get_json()["code"] == "mfa_invalid"


def test_a_dead_mfa_token_is_dead_on_every_instance(app, other_app, client, user):
    enrolled = enrolled_user(client, user)
    other_client = other_app.test_client()
    token = first_step(client, user.email)
    clear_of_step_boundary()
    wrong = f"{(int(pin(enrolled.secret)) + 1) % 1_000_000:06d}"
    for index in range(5):
        response = second_step((client, other_client)[index % 2], token, code=wrong)
        assert response.get_json()["code"] == "mfa_invalid"
    forget_last_step(app, user.id)
    last = second_step(other_client, token, code=pin(enrolled.secret))
    assert last.status_code == 401 and last.get_json()["code"] == "token_invalid"
