"""Settings from the environment, production's refusal of weak secrets, and create-admin."""

from __future__ import annotations

import logging
import secrets

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.identity.models import User
from config import ConfigError, load_config
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer

STRONG = secrets.token_urlsafe(48)
STRONG_JWT = secrets.token_urlsafe(48)
NEW_PASSWORD = "an admin passphrase"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    """A clean environment with a throwaway database; returns monkeypatch to set more."""
    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "APP_ENV", "JWT_LEEWAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("MAIL_URL", "disabled")  # production needs it set
    return monkeypatch


@pytest.mark.parametrize(
    "secrets",
    [
        {},
        {"SECRET_KEY": STRONG},
        {"JWT_SECRET_KEY": STRONG_JWT},
        {"SECRET_KEY": "short", "JWT_SECRET_KEY": STRONG_JWT},
        {"SECRET_KEY": STRONG, "JWT_SECRET_KEY": "x" * 31},
        {"SECRET_KEY": STRONG, "JWT_SECRET_KEY": STRONG},
    ],
    ids=["none", "no-jwt-key", "no-secret-key", "short-secret", "short-jwt-31", "identical"],
)
def test_production_refuses_weak_secrets(env, secrets):
    for name, value in secrets.items():
        env.setenv(name, value)
    with pytest.raises(ConfigError):
        create_app("production")


def test_production_refuses_the_old_dev_defaults(env):
    env.setenv("SECRET_KEY", "dev-only-secret-key-do-not-use-in-production")
    env.setenv("JWT_SECRET_KEY", "dev-only-jwt-secret-key-do-not-use-in-production")
    with pytest.raises(ConfigError, match="appeared in this project's source"):
        create_app("production")


def test_production_starts_with_strong_secrets(env):
    env.setenv("SECRET_KEY", STRONG)
    env.setenv("JWT_SECRET_KEY", STRONG_JWT)
    env.setenv("APP_ENV", "production")
    app = create_app()
    try:
        assert app.config["ENV_NAME"] == "production"
        assert app.config["TESTING"] is False
        assert app.config["JWT_SECRET_KEY"] == STRONG_JWT
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    ("name", "value"),
    [("APP_ENV", "staging"), ("JWT_LEEWAY", "31"), ("JWT_LEEWAY", "-1"), ("TRUSTED_PROXIES", "x")],
)
def test_bad_settings_are_refused(env, name, value):
    env.setenv(name, value)
    with pytest.raises(ConfigError):
        load_config()


def test_settings_come_from_the_environment(env):
    values = {
        "JWT_ACCESS_TOKEN_EXPIRES": "60",
        "JWT_REFRESH_TOKEN_EXPIRES": "3600",
        "JWT_LEEWAY": "5",
        "LOGIN_RATE_LIMIT": "5 per hour",
        "REGISTER_RATE_LIMIT": "7 per hour",
        "TRUSTED_PROXIES": "2",
        "MAX_CONTENT_LENGTH": "1024",
        "JWT_PREVIOUS_SECRET_KEYS": " old-one , old-two ,",
    }
    for name, value in values.items():
        env.setenv(name, value)
    config = load_config("testing")
    assert config.JWT_ACCESS_TOKEN_EXPIRES == 60
    assert config.JWT_REFRESH_TOKEN_EXPIRES == 3600
    assert config.JWT_LEEWAY == 5
    assert config.LOGIN_RATE_LIMIT == "5 per hour"
    assert config.REGISTER_RATE_LIMIT == "7 per hour"
    assert config.TRUSTED_PROXIES == 2
    assert config.MAX_CONTENT_LENGTH == 1024
    assert config.JWT_PREVIOUS_SECRET_KEYS == ["old-one", "old-two"]
    assert config.JWT_DECODE_ALGORITHMS == ["HS256"]
    assert config.JWT_TOKEN_LOCATION == ["headers"]
    assert config.RATELIMIT_SWALLOW_ERRORS is False


def test_defaults(env):
    config = load_config("development")
    assert (config.JWT_ACCESS_TOKEN_EXPIRES, config.JWT_REFRESH_TOKEN_EXPIRES) == (900, 2_592_000)
    assert (config.JWT_LEEWAY, config.TRUSTED_PROXIES, config.MAX_CONTENT_LENGTH) == (0, 0, 65_536)
    assert config.LOGIN_RATE_LIMIT == "10 per minute"
    assert config.REGISTER_RATE_LIMIT == "60 per hour"


def test_jwt_key_never_falls_back_to_secret_key(env):
    env.setenv("SECRET_KEY", STRONG)
    config = load_config("development")
    assert config.JWT_SECRET_KEY and config.JWT_SECRET_KEY != STRONG


# --- create-admin -------------------------------------------------------------------------


def run_cli(app, *args: str, stdin: str | None = None):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=stdin)


def stored_user(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_create_admin_with_password(app, client, login):
    result = run_cli(app, "create-admin", " Boss@Example.com ", "--password", NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    user = stored_user(app, "boss@example.com")
    assert (user.role, user.is_active) == ("admin", True)
    tokens = login("boss@example.com", NEW_PASSWORD)
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).get_json()["role"] == (
        "admin"
    )


def test_create_admin_prompts_twice_for_a_new_user(app, login):
    result = run_cli(app, "create-admin", "boss@example.com", stdin=f"{NEW_PASSWORD}\n" * 2)
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") >= 1 and "Repeat" in result.output
    assert NEW_PASSWORD not in result.output  # hidden input
    login("boss@example.com", NEW_PASSWORD)


def test_create_admin_prompt_mismatch_creates_nothing(app):
    result = run_cli(app, "create-admin", "boss@example.com", stdin="one passphrase\ntwo\n")
    assert result.exit_code != 0
    assert user_count(app) == 0


def test_promote_keeps_the_password(app, make_user, login):
    user = make_user(email="worker@example.com")
    result = run_cli(app, "create-admin", "WORKER@example.com")
    assert result.exit_code == 0, result.output
    assert "Promoted admin worker@example.com" in result.output
    assert "Password" not in result.output  # an existing user is never prompted
    assert stored_user(app, user.email).role == "admin"
    login(user.email, PASSWORD)
    assert user_count(app) == 1


def test_promote_with_password_changes_it(app, client, make_user, login):
    user = make_user()
    result = run_cli(app, "create-admin", user.email, "--password", NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_problem(response, 401, "invalid_credentials")
    login(user.email, NEW_PASSWORD)


@pytest.mark.parametrize(
    "args",
    [
        ("boss@example.com", "--password", "short"),
        ("boss@example.com", "--password", "password123"),
        ("boss@example.com", "--password", "boss@example.com"),
        ("not-an-email", "--password", NEW_PASSWORD),
        ("", "--password", NEW_PASSWORD),
    ],
    ids=["short", "common", "same-as-email", "bad-email", "empty-email"],
)
def test_create_admin_failures_are_one_line(app, args):
    result = run_cli(app, "create-admin", *args)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    assert "Traceback" not in result.output
    assert user_count(app) == 0


def test_weak_password_does_not_promote(app, make_user):
    user = make_user()
    result = run_cli(app, "create-admin", user.email, "--password", "short")
    assert result.exit_code != 0
    assert stored_user(app, user.email).role == "user"


def audit_events(caplog: pytest.LogCaptureFixture, name: str) -> list[dict]:
    return [
        record.audit
        for record in caplog.records
        if getattr(record, "audit", None) and record.audit["event"] == name
    ]


def test_setting_a_password_ends_every_session_and_is_audited(
    app, client, make_user, login, caplog
):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    user = make_user()
    held = [login(user), login(user)]
    result = run_cli(app, "create-admin", user.email, "--password-stdin", stdin=NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "password set, every session of the user ended" in result.output
    for tokens in held:
        me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
        assert_problem(me, 401, "token_revoked")
        refresh = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
        assert_problem(refresh, 401, "token_revoked")
    [event] = audit_events(caplog, "password_set")
    assert (event["user_id"], event["via"]) == (user.id, "cli")
    assert audit_events(caplog, "role_changed")[0]["new"] == "admin"
    fresh = bearer(login(user, NEW_PASSWORD)["access_token"])
    assert client.get("/auth/me", headers=fresh).get_json()["role"] == "admin"


def test_promoting_without_a_password_keeps_the_sessions(app, client, make_user, login, caplog):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    user = make_user()
    tokens = login(user)
    assert run_cli(app, "create-admin", user.email).exit_code == 0
    refreshed = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200  # the session lives on, now with the admin role
    assert audit_events(caplog, "password_set") == []


@pytest.mark.parametrize(
    ("stdin", "password"),
    [
        (f"{NEW_PASSWORD}\n", NEW_PASSWORD),
        (f"{NEW_PASSWORD}\r\n", NEW_PASSWORD),
        (f"  {NEW_PASSWORD} \nsecond line\n", f"  {NEW_PASSWORD} "),
        (NEW_PASSWORD, NEW_PASSWORD),
    ],
    ids=["newline", "crlf", "spaces-kept-one-line-read", "no-newline"],
)
def test_password_stdin_reads_one_line_as_typed(app, login, stdin, password):
    result = run_cli(app, "create-admin", "boss@example.com", "--password-stdin", stdin=stdin)
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output  # no prompt
    login("boss@example.com", password)


def test_password_from_a_named_environment_variable(app, login, monkeypatch):
    monkeypatch.setenv("WARDROBE_ADMIN_PASSWORD", NEW_PASSWORD)
    args = ("create-admin", "boss@example.com", "--password-env", "WARDROBE_ADMIN_PASSWORD")
    result = run_cli(app, *args)
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    login("boss@example.com", NEW_PASSWORD)
    monkeypatch.delenv("WARDROBE_ADMIN_PASSWORD")
    result = run_cli(app, *args)
    assert result.exit_code == 2 and "WARDROBE_ADMIN_PASSWORD is not set" in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (("--password", NEW_PASSWORD, "--password-stdin"), NEW_PASSWORD, "cannot be used together"),
        (("--password-stdin", "--password-env", "HOME"), NEW_PASSWORD, "cannot be used together"),
        (("--password", NEW_PASSWORD, "--password-env", "HOME"), None, "cannot be used together"),
        (("--password-stdin",), "", "standard input is empty"),
    ],
    ids=["argv-and-stdin", "stdin-and-env", "argv-and-env", "empty-stdin"],
)
def test_password_source_misuse_is_a_usage_error(app, make_user, login, args, stdin, reason):
    user = make_user()
    tokens = login(user)
    result = run_cli(app, "create-admin", user.email, *args, stdin=stdin)
    assert result.exit_code == 2
    assert "Error: --password" in result.output and reason in result.output
    assert "Traceback" not in result.output
    assert stored_user(app, user.email).role == "user"  # nothing changed
    me = app.test_client().get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200


def test_a_weak_stdin_password_changes_nothing(app, client, make_user, login):
    user = make_user()
    tokens = login(user)
    result = run_cli(app, "create-admin", user.email, "--password-stdin", stdin="short\n")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: password:")
    assert len(result.output.strip().splitlines()) == 1
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert stored_user(app, user.email).role == "user"
