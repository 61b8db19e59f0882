"""Rate limits of the second step: per address (login's budget) and per account."""

from __future__ import annotations

import logging

import pytest

from tests.support.data import PASSWORD
from tests.support.http import assert_problem
from tests.support.mfa import enrolled_user, second_step


class TestPerAddress:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"LOGIN_RATE_LIMIT": "3 per minute"}

    def test_the_second_step_spends_the_logins_budget(self, client, make_user):
        user = make_user()
        enrolled = enrolled_user(client, user)  # its login is the first of three
        login = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
        token = login.get_json()["mfa_token"]
        ok = second_step(client, token, recovery_code=enrolled.recovery_codes[0])
        assert ok.status_code == 200
        limited = client.post("/auth/login/mfa", json={"mfa_token": token, "code": "123456"})
        assert_problem(limited, 429, "rate_limited")
        assert "Retry-After" in limited.headers


class TestPerAccount:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"LOGIN_ACCOUNT_RATE_LIMIT": "3 per 15 minutes"}

    def test_wrong_pins_from_any_token_share_the_accounts_budget(self, client, user):
        enrolled = enrolled_user(client, user)

        def new_token() -> str:
            login = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
            return login.get_json()["mfa_token"]

        for _ in range(3):
            wrong = second_step(client, new_token(), recovery_code="aaaa-bbbb-cccc-dddd")
            assert_problem(wrong, 401, "mfa_invalid")
        limited = second_step(client, new_token(), recovery_code=enrolled.recovery_codes[0])
        assert_problem(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) <= 900


def test_every_step_is_an_audit_event(app, client, user, admin_headers, caplog):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    enrolled = enrolled_user(client, user)
    token = client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).get_json()[
        "mfa_token"
    ]
    second_step(client, token, recovery_code="aaaa-bbbb-cccc-dddd")
    second_step(client, token, recovery_code=enrolled.recovery_codes[0])
    client.post(
        "/auth/mfa/recovery-codes",
        json={"current_password": PASSWORD, "recovery_code": enrolled.recovery_codes[1]},
        headers=enrolled.headers,
    )
    client.delete(f"/users/{user.id}/mfa", headers=admin_headers)
    events = [record.audit["event"] for record in caplog.records if hasattr(record, "audit")]
    for event in (
        "mfa_enrolment_started",
        "mfa_enabled",
        "mfa_challenge_issued",
        "mfa_failed",
        "login_succeeded",
        "recovery_codes_issued",
        "mfa_reset",
    ):
        assert event in events
    logged = caplog.text
    assert enrolled.secret not in logged and enrolled.recovery_codes[0] not in logged
    assert token not in logged
