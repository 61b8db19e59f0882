"""Request ids on every response, JSON log lines, audit events, and no secret in any log line."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import User
from app.observability import (
    HANDLER_NAME,
    TEXT_FORMAT,
    JsonFormatter,
    TextFormatter,
    configure_logging,
)
from app.users.services import create_or_promote_admin
from tests.support.http import bearer

NEW_PASSWORD = "a different long passphrase"
OWN_PASSWORD = "my own long passphrase"


def test_every_response_carries_a_request_id(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and len(missing.headers["X-Request-ID"]) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "edge-42.a:b"}).headers["X-Request-ID"]
        == "edge-42.a:b"
    )


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1 per minute"}])
def test_the_request_id_survives_a_request_refused_before_the_view(client):
    body = {"email": "a@example.com", "password": "whatever123"}
    for status in (401, 429):
        response = client.post("/auth/login", json=body, headers={"X-Request-ID": "rid-7"})
        assert (response.status_code, response.headers["X-Request-ID"]) == (status, "rid-7")
    too_big = client.post("/auth/register", data="x" * 70_000, headers={"X-Request-ID": "rid-8"})
    assert (too_big.status_code, too_big.headers["X-Request-ID"]) == (413, "rid-8")


@pytest.mark.parametrize("offered", ["x" * 129, "has space", 'quote"d', "", "tab\there"])
def test_a_request_id_that_is_not_sane_is_replaced(client, offered):
    returned = client.get("/healthz", headers={"X-Request-ID": offered}).headers["X-Request-ID"]
    assert returned != offered and len(returned) == 32


def test_json_lines_carry_the_request_id_and_audit_fields(app):
    record = logging.LogRecord(
        "wardrobe.audit", logging.INFO, __file__, 1, "audit %s", ("x",), None
    )
    record.audit = {"event": "logout", "user_id": 7}
    with app.test_request_context(headers={"X-Request-ID": "rid-1"}):
        app.preprocess_request()
        line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "rid-1"
    assert (entry["event"], entry["user_id"], entry["level"]) == ("logout", 7, "INFO")


def test_audit_events_name_no_password_hash_or_token(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    email = "audited@example.com"
    client.post("/auth/register", json={"email": email, "password": OWN_PASSWORD})
    tokens = [client.post("/auth/login", json={"email": email, "password": OWN_PASSWORD})]
    client.post("/auth/login", json={"email": email, "password": NEW_PASSWORD})  # wrong
    client.post("/auth/login", json={"email": "nobody@example.com", "password": OWN_PASSWORD})
    first = tokens[0].get_json()
    tokens.append(client.post("/auth/refresh", headers=bearer(first["refresh_token"])))
    client.post("/auth/refresh", headers=bearer(first["refresh_token"]))  # reuse
    second = client.post("/auth/login", json={"email": email, "password": OWN_PASSWORD})
    tokens.append(second)
    access = bearer(second.get_json()["access_token"])
    body = {"current_password": OWN_PASSWORD, "new_password": NEW_PASSWORD}
    assert client.put("/auth/password", json=body, headers=access).status_code == 204
    with app.app_context():
        create_or_promote_admin(email=email, password=None)
        password_hash = db.session.scalar(select(User.password_hash).where(User.email == email))
    third = client.post("/auth/login", json={"email": email, "password": NEW_PASSWORD})
    tokens.append(third)
    fresh = bearer(third.get_json()["access_token"])
    assert client.post("/auth/logout-all", headers=fresh).status_code == 204

    lines = rendered(caplog.records)
    events = {getattr(record, "audit", {}).get("event") for record in caplog.records}
    assert events >= {
        "login_succeeded",
        "login_failed",
        "refresh_reused",
        "password_changed",
        "role_changed",
        "logout_all",
    }
    secrets = [OWN_PASSWORD, NEW_PASSWORD, password_hash, password_hash.split("$")[-1]]
    for response in tokens:
        for token in (response.get_json() or {}).values():
            if isinstance(token, str) and token.count(".") == 2:
                secrets += [token, token.split(".")[2]]
    assert len(secrets) > 10
    for secret in secrets:
        assert not [line for line in lines if secret in line], "a secret reached a log line"


def test_admin_changes_name_the_admin_as_actor(client, caplog, admin, user, login):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    target, headers = user, bearer(login(admin)["access_token"])
    response = client.patch(f"/users/{target.id}", json={"role": "admin"}, headers=headers)
    assert response.status_code == 200
    response = client.patch(f"/users/{target.id}", json={"is_active": False}, headers=headers)
    assert response.status_code == 200
    events = {
        record.audit["event"]: record.audit
        for record in caplog.records
        if getattr(record, "audit", None)
    }
    for event in ("role_changed", "user_deactivated"):
        assert events[event]["user_id"] == target.id
        assert events[event]["actor_id"] == admin.id
    assert "actor_id" not in events["login_succeeded"]  # nobody was authenticated yet


def rendered(records: list[logging.LogRecord]) -> list[str]:
    """Every record as each formatter would write it, plus its raw message and fields."""
    json_formatter, text_formatter = JsonFormatter(), TextFormatter(TEXT_FORMAT)
    lines = []
    for record in records:
        record.request_id = getattr(record, "request_id", "-")
        lines += [json_formatter.format(record), text_formatter.format(record)]
        lines += [record.getMessage(), repr(record.__dict__)]
    return lines


def test_configuring_logging_twice_keeps_one_handler_of_ours():
    root = logging.getLogger()
    level = root.level
    try:
        configure_logging("json", "WARNING")
        configure_logging("json", "INFO")
        ours = [handler for handler in root.handlers if handler.get_name() == HANDLER_NAME]
        assert len(ours) == 1 and isinstance(ours[0].formatter, JsonFormatter)
        assert root.level == logging.INFO
    finally:
        for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
            root.removeHandler(handler)
        root.setLevel(level)
