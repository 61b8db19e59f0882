"""Turning one-time pins on, off, new recovery codes, and an admin's reset."""

from __future__ import annotations

import base64
import logging
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import RecoveryCode, User
from app.security import totp
from tests.support.data import PASSWORD
from tests.support.http import assert_dead, assert_problem, bearer, me
from tests.support.mfa import (
    clear_of_step_boundary,
    enrol,
    enrolled_user,
    first_step,
    forget_last_step,
    login_with_pin,
    pin,
    second_step,
)

START = "/auth/mfa/totp"
CONFIRM = "/auth/mfa/totp/confirm"
CODES = "/auth/mfa/recovery-codes"


def start(client, headers, password=PASSWORD):
    return client.post(START, json={"current_password": password}, headers=headers)


def test_enrolment_returns_a_160_bit_secret_its_uri_and_a_qr_code(client, user, user_headers):
    response = start(client, user_headers)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    assert len(base64.b32decode(body["secret"])) == 20
    uri = urlsplit(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert "user%40example.com" in uri.path
    query = parse_qs(uri.query)
    assert query["secret"] == [body["secret"]] and query["issuer"] == ["Wardrobe API"]
    # A standalone SVG document: it names its namespace, so it shows as an image file too.
    assert body["qr_svg"].startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert body["qr_svg"].rstrip().endswith("</svg>")
    # Nothing is on until confirmed: a password alone still logs in.
    assert (
        me(client, user_headers.get("Authorization").split()[1]).get_json()["mfa_enabled"] is False
    )
    assert (
        client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).status_code
        == 200
    )


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("user", 201), ("admin", 201)])
def test_any_signed_in_user_may_enrol(client, headers_for, role, status):
    assert start(client, headers_for(role)).status_code == status


def test_enrolment_needs_the_current_password(client, user_headers):
    assert_problem(start(client, user_headers, "wrong password!"), 403, "wrong_password")


def test_a_second_enrolment_replaces_the_pending_secret(client, user_headers):
    first = start(client, user_headers).get_json()["secret"]
    second = start(client, user_headers).get_json()["secret"]
    assert first != second
    clear_of_step_boundary()
    refused = client.post(CONFIRM, json={"code": pin(first)}, headers=user_headers)
    assert_problem(refused, 401, "mfa_invalid")
    accepted = client.post(CONFIRM, json={"code": pin(second)}, headers=user_headers)
    assert accepted.status_code == 200


def test_confirmation_turns_pins_on_returns_ten_codes_and_ends_other_sessions(client, user, login):
    other = login(user)
    headers = bearer(login(user)["access_token"])
    assert_problem(
        client.post(CONFIRM, json={"code": "123456"}, headers=headers), 409, "mfa_not_pending"
    )
    enrolled = enrol(client, headers)
    assert len(enrolled.recovery_codes) == 10 and len(set(enrolled.recovery_codes)) == 10
    assert_dead(client, other)
    assert client.get("/auth/me", headers=headers).get_json()["mfa_enabled"] is True
    assert_problem(start(client, headers), 409, "mfa_already_enabled")
    assert_problem(
        client.post(CONFIRM, json={"code": "123456"}, headers=headers), 409, "mfa_already_enabled"
    )
    first_step(client, user.email)  # a password alone no longer logs in


def test_a_wrong_pin_does_not_confirm(client, user_headers):
    secret = start(client, user_headers).get_json()["secret"]
    clear_of_step_boundary()
    wrong = f"{(int(pin(secret)) + 1) % 1_000_000:06d}"
    assert_problem(
        client.post(CONFIRM, json={"code": wrong}, headers=user_headers), 401, "mfa_invalid"
    )
    assert client.get("/auth/me", headers=user_headers).get_json()["mfa_enabled"] is False


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12345\n", 123456])
def test_a_pin_is_six_digits(client, user_headers, code):
    start(client, user_headers)
    response = client.post(CONFIRM, json={"code": code}, headers=user_headers)
    assert_problem(response, 422, "validation_error")


def test_secrets_and_recovery_codes_are_unreadable_in_the_database(app, client, user):
    enrolled = enrolled_user(client, user)
    with app.app_context():
        row = db.session.get_one(User, user.id)
        assert enrolled.secret not in row.totp_secret
        assert base64.b32decode(enrolled.secret).hex() not in row.totp_secret
        assert totp.decrypt(row.totp_secret, user.id) == enrolled.secret
        with pytest.raises(totp.SecretUnreadable):  # bound to its row
            totp.decrypt(row.totp_secret, user.id + 1)
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10
    for code in enrolled.recovery_codes:
        assert all(code not in stored and code.replace("-", "") not in stored for stored in hashes)


def test_a_different_encryption_key_cannot_read_the_secret(app, client, user):
    enrolled_user(client, user)
    with app.app_context():
        stored = db.session.get_one(User, user.id).totp_secret
        app.config["MFA_ENCRYPTION_KEY"] = secrets.token_urlsafe(48)
        with pytest.raises(totp.SecretUnreadable):
            totp.decrypt(stored, user.id)


def proof(**extra):
    return {"current_password": PASSWORD, **extra}


def test_turning_pins_off_needs_password_and_a_second_factor_and_ends_other_sessions(
    app, client, user, login
):
    enrolled = enrolled_user(client, user)
    other = login_with_pin(client, app, user, enrolled.secret)
    headers = enrolled.headers
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    wrong_password = client.delete(
        START, json=proof(current_password="nope nope", code=pin(enrolled.secret)), headers=headers
    )
    assert_problem(wrong_password, 403, "wrong_password")
    wrong_pin = client.delete(
        START,
        json=proof(code="000000" if pin(enrolled.secret) != "000000" else "111111"),
        headers=headers,
    )
    assert_problem(wrong_pin, 401, "mfa_invalid")
    for body in (
        proof(),
        proof(code=pin(enrolled.secret), recovery_code=enrolled.recovery_codes[0]),
    ):
        assert_problem(client.delete(START, json=body, headers=headers), 422, "validation_error")
    response = client.delete(START, json=proof(code=pin(enrolled.secret)), headers=headers)
    assert response.status_code == 204
    assert_dead(client, other)
    assert client.get("/auth/me", headers=headers).get_json()["mfa_enabled"] is False
    assert login(user)["access_token"]  # the password alone logs in again
    assert_problem(
        client.delete(START, json=proof(code="123456"), headers=headers), 409, "mfa_not_enabled"
    )
    with app.app_context():
        row = db.session.get_one(User, user.id)
        assert row.totp_secret is None
        assert db.session.scalars(select(RecoveryCode)).all() == []


def test_turning_pins_off_with_a_recovery_code(client, user, caplog):
    enrolled = enrolled_user(client, user)
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    body = proof(recovery_code=enrolled.recovery_codes[3].upper())
    assert client.delete(START, json=body, headers=enrolled.headers).status_code == 204
    events = [record.audit for record in caplog.records if hasattr(record, "audit")]
    assert {"event": "mfa_disabled", "user_id": user.id} == {
        key: events[-1][key] for key in ("event", "user_id")
    }


def test_new_recovery_codes_void_the_old_set(client, user):
    enrolled = enrolled_user(client, user)
    old = enrolled.recovery_codes
    response = client.post(CODES, json=proof(recovery_code=old[0]), headers=enrolled.headers)
    assert response.status_code == 200
    new = response.get_json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    stale = client.post(CODES, json=proof(recovery_code=old[1]), headers=enrolled.headers)
    assert_problem(stale, 401, "mfa_invalid")
    assert_problem(
        second_step(client, first_step(client, user.email), recovery_code=old[2]),
        401,
        "mfa_invalid",
    )
    ok = second_step(client, first_step(client, user.email), recovery_code=new[0])
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("role", "status", "code"), [(None, 401, "token_missing"), ("user", 403, "forbidden")]
)
def test_only_admins_reset_a_users_pins(client, user, headers_for, role, status, code):
    enrolled_user(client, user)
    assert_problem(client.delete(f"/users/{user.id}/mfa", headers=headers_for(role)), status, code)


def test_an_admin_reset_turns_pins_off_and_ends_the_users_sessions(
    app, client, user, admin_headers
):
    enrolled = enrolled_user(client, user)
    tokens = login_with_pin(client, app, user, enrolled.secret)
    assert client.delete(f"/users/{user.id}/mfa", headers=admin_headers).status_code == 204
    assert_dead(client, tokens)
    body = client.get(f"/users/{user.id}", headers=admin_headers).get_json()
    assert body["mfa_enabled"] is False
    assert (
        client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).status_code
        == 200
    )
    assert_problem(client.delete(f"/users/{user.id}/mfa", headers=admin_headers), 404, "not_found")
    assert_problem(client.delete("/users/999/mfa", headers=admin_headers), 404, "not_found")
