"""The two-step login: password -> mfa_token -> pin (or recovery code) -> tokens with amr."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.identity.models import AuthSession, MfaChallenge
from app.security.sessions import prune_ended_sessions
from tests.support.data import PASSWORD
from tests.support.http import assert_invalid, assert_problem, bearer, refresh
from tests.support.mfa import (
    clear_of_step_boundary,
    enrolled_user,
    first_step,
    forget_last_step,
    pin,
    second_step,
)
from tests.support.tokens import WRONG_KEY, claims_of, forge


@pytest.fixture
def enrolled(client, user):
    return enrolled_user(client, user)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_right_password_answers_mfa_required_with_an_mfa_token_and_no_tokens(
    client, user, enrolled
):
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    body = assert_problem(response, 401, "mfa_required")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert body["mfa_methods"] == ["totp", "recovery_code"]
    assert isinstance(body["mfa_token"], str)
    assert "access_token" not in body and "refresh_token" not in body
    claims = claims_of(body["mfa_token"])
    assert claims["type"] == "mfa" and claims["aud"] == "wardrobe:mfa"
    assert claims["sub"] == str(user.id) and claims["exp"] - claims["iat"] == 300
    assert "role" not in claims and "sid" not in claims


def test_a_wrong_password_is_still_invalid_credentials(client, user, enrolled):
    response = client.post("/auth/login", json={"email": user.email, "password": "wrong one!"})
    assert_problem(response, 401, "invalid_credentials")


def test_a_pin_opens_a_session_whose_tokens_say_pwd_and_otp(app, client, user, enrolled):
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    response = second_step(client, first_step(client, user.email), code=pin(enrolled.secret))
    assert response.status_code == 200, response.get_json()
    tokens = response.get_json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert claims_of(tokens["access_token"])["amr"] == ["pwd", "otp"]
    assert claims_of(tokens["refresh_token"])["amr"] == ["pwd", "otp"]
    sessions = client.get("/auth/sessions", headers=bearer(tokens["access_token"])).get_json()
    current = [item for item in sessions["items"] if item["current"]]
    assert current[0]["amr"] == ["pwd", "otp"]
    assert {tuple(item["amr"]) for item in sessions["items"]} == {("pwd",), ("pwd", "otp")}
    renewed = refresh(client, tokens["refresh_token"]).get_json()
    assert claims_of(renewed["access_token"])["amr"] == ["pwd", "otp"]
    assert claims_of(renewed["refresh_token"])["amr"] == ["pwd", "otp"]


def test_a_password_login_says_pwd_only(client, tokens):
    assert claims_of(tokens["access_token"])["amr"] == ["pwd"]
    assert claims_of(refresh(client, tokens["refresh_token"]).get_json()["access_token"])[
        "amr"
    ] == ["pwd"]


def test_the_password_is_verified_once_per_two_step_login(
    app, client, user, enrolled, verifications
):
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    verifications.clear()
    token = first_step(client, user.email)
    response = second_step(client, token, code=pin(enrolled.secret))
    assert response.status_code == 200
    assert len(verifications) == 1


def test_the_same_pin_is_accepted_once(app, client, user, enrolled):
    forget_last_step(app, user.id)
    clear_of_step_boundary(margin=4)
    code = pin(enrolled.secret)
    assert second_step(client, first_step(client, user.email), code=code).status_code == 200
    replay = second_step(client, first_step(client, user.email), code=code)
    assert_problem(replay, 401, "mfa_invalid")
    # ... and a pin of an older step than the last accepted one is refused too
    older = second_step(client, first_step(client, user.email), code=pin(enrolled.secret, -1))
    assert_problem(older, 401, "mfa_invalid")


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_one_step_of_clock_drift_is_accepted_two_are_not(
    app, client, user, enrolled, offset, accepted
):
    forget_last_step(app, user.id)
    clear_of_step_boundary(margin=4)
    response = second_step(
        client, first_step(client, user.email), code=pin(enrolled.secret, offset)
    )
    if accepted:
        assert response.status_code == 200, response.get_json()
    else:
        assert_problem(response, 401, "mfa_invalid")


def test_each_recovery_code_works_once(client, user, enrolled):
    code = enrolled.recovery_codes[0]
    first = second_step(client, first_step(client, user.email), recovery_code=code)
    assert first.status_code == 200
    assert claims_of(first.get_json()["access_token"])["amr"] == ["pwd", "otp"]
    again = second_step(client, first_step(client, user.email), recovery_code=code)
    assert_problem(again, 401, "mfa_invalid")
    other = second_step(
        client, first_step(client, user.email), recovery_code=enrolled.recovery_codes[1]
    )
    assert other.status_code == 200


def test_the_mfa_token_is_no_bearer_token(client, user, enrolled):
    token = first_step(client, user.email)
    assert_invalid(client.get("/auth/me", headers=bearer(token)))
    assert_invalid(refresh(client, token))
    assert_invalid(client.post("/auth/logout", headers=bearer(token)))


def test_an_access_token_is_no_mfa_token(client, user, enrolled, login, make_user):
    access = login(make_user())["access_token"]
    assert_problem(second_step(client, access, code="123456"), 401, "token_invalid")


def test_the_mfa_token_dies_after_five_wrong_pins(app, client, user, enrolled):
    forget_last_step(app, user.id)
    token = first_step(client, user.email)
    clear_of_step_boundary()
    for _ in range(5):
        assert_problem(
            second_step(client, token, code=wrong(pin(enrolled.secret))), 401, "mfa_invalid"
        )
    assert_problem(second_step(client, token, code=pin(enrolled.secret)), 401, "token_invalid")
    # a new login gets a new token, and the pin (never accepted) still works there
    ok = second_step(client, first_step(client, user.email), code=pin(enrolled.secret))
    assert ok.status_code == 200


def test_the_mfa_token_is_single_use(client, user, enrolled):
    token = first_step(client, user.email)
    assert second_step(client, token, recovery_code=enrolled.recovery_codes[0]).status_code == 200
    reused = second_step(client, token, recovery_code=enrolled.recovery_codes[1])
    assert_problem(reused, 401, "token_invalid")


def test_a_used_mfa_token_refuses_even_a_wrong_pin_as_used(app, client, user, enrolled):
    token = first_step(client, user.email)
    assert second_step(client, token, recovery_code=enrolled.recovery_codes[0]).status_code == 200
    clear_of_step_boundary()
    reused = second_step(client, token, code=wrong(pin(enrolled.secret)))
    assert_problem(reused, 401, "token_invalid")  # not mfa_invalid: no pin is checked
    with app.app_context():  # and no wrong pin is counted for it
        assert db.session.scalar(select(func.count()).select_from(MfaChallenge)) == 0


def test_pruning_never_frees_a_used_mfa_token_while_it_lives(app, client, user, enrolled):
    """The session's row is the token's single use: it outlives the token even when the
    session ends at once and access tokens are short."""
    token = first_step(client, user.email)
    opened = second_step(client, token, recovery_code=enrolled.recovery_codes[0])
    assert (
        client.post("/auth/logout", headers=bearer(opened.get_json()["access_token"])).status_code
        == 204
    )
    with app.app_context():
        sid = claims_of(opened.get_json()["access_token"])["sid"]
        ended = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=120)
        db.session.execute(
            update(AuthSession).where(AuthSession.id == sid).values(revoked_at=ended)
        )
        db.session.commit()
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 60
        assert prune_ended_sessions(older_than_days=0) == 0
    reused = second_step(client, token, recovery_code=enrolled.recovery_codes[1])
    assert_problem(reused, 401, "token_invalid")


def test_the_mfa_token_dies_after_five_minutes(client, user, enrolled):
    claims = claims_of(first_step(client, user.email))
    assert claims["exp"] - claims["iat"] == 300
    now = int(time.time())
    # the same token as the server made five minutes ago (its signature is good)
    expired = forge({**claims, "iat": now - 301, "exp": now - 1})
    response = second_step(client, expired, recovery_code=enrolled.recovery_codes[0])
    assert_problem(response, 401, "token_invalid")
    fresh = forge({**claims, "iat": now, "exp": now + 300})
    assert second_step(client, fresh, recovery_code=enrolled.recovery_codes[0]).status_code == 200


def test_prune_sessions_deletes_the_records_of_expired_attempts(app, client, user, enrolled):
    token = first_step(client, user.email)
    assert_problem(
        second_step(client, token, recovery_code="aaaa-bbbb-cccc-dddd"), 401, "mfa_invalid"
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MfaChallenge)) == 1
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.execute(update(MfaChallenge).values(expires_at=past))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["prune-sessions"])
        assert "Deleted 1 expired second-step login attempts." in result.output
        assert db.session.scalar(select(func.count()).select_from(MfaChallenge)) == 0


def test_a_forged_or_altered_mfa_token_is_refused(client, user, enrolled, make_user):
    claims = claims_of(first_step(client, user.email))
    other = make_user()
    for token in (
        forge(claims, key=WRONG_KEY),
        forge({**claims, "sub": str(other.id)}),  # signed, but not that user's challenge
        forge({**claims, "sub": "9999999999"}),  # no such user (nor a 32-bit id)
        forge({**claims, "sub": 1}),
        forge({**claims, "aud": "somewhere-else"}),
        forge({**claims, "type": "access"}),
        "not-a-token",
    ):
        response = second_step(client, token, recovery_code=enrolled.recovery_codes[0])
        assert_problem(response, 401, "token_invalid")


def test_turning_pins_off_meanwhile_kills_the_mfa_token(app, client, user, enrolled, admin_headers):
    token = first_step(client, user.email)
    assert client.delete(f"/users/{user.id}/mfa", headers=admin_headers).status_code == 204
    response = second_step(client, token, recovery_code=enrolled.recovery_codes[0])
    assert_problem(response, 401, "token_invalid")


def test_the_password_grant_refuses_a_user_with_pins(client, user, enrolled):
    form = {"grant_type": "password", "username": user.email, "password": PASSWORD}
    body = assert_problem(client.post("/auth/token", data=form), 400, "mfa_required")
    assert body["error"] == "invalid_grant"
    assert "access_token" not in body and "mfa_token" not in body


@pytest.mark.parametrize(
    "body",
    [
        {"code": "123456"},
        {"mfa_token": "x"},
        {"mfa_token": "x", "code": "123456", "recovery_code": "abcd"},
        {"mfa_token": "x", "code": "12345"},
    ],
)
def test_the_second_step_validates_its_body(client, body):
    assert_problem(client.post("/auth/login/mfa", json=body), 422, "validation_error")
