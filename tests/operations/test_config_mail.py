"""Mail settings: validated like every other, and production refuses to send none by accident."""

from __future__ import annotations

import pytest

from config import ConfigError, load_config
from tests.support.settings import TEST_SECRETS


@pytest.fixture
def production(monkeypatch):
    """Strong keys, so that only the mail settings decide whether production starts."""
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value + "-production-only-9f8e7d6c5b4a")
    monkeypatch.delenv("MAIL_URL", raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("MAIL_URL", "http://mail.example.com", "smtp[s]://"),
        ("MAIL_URL", "smtp://", "smtp[s]://"),
        ("MAIL_URL", "smtp://mail.example.com:587?tls=yes", "smtp[s]://"),
        ("MAIL_FROM", "no address here", "an address"),
        ("PUBLIC_BASE_URL", "ftp://wardrobe.example.com", "http(s) origin"),
        ("EMAIL_VERIFICATION_EXPIRES", "10", "from 60 to"),
        ("PASSWORD_RESET_EXPIRES", "999999", "from 60 to 86400"),
        ("PASSWORD_RESET_RATE_LIMIT", "often", "a rate such as"),
        ("REQUIRE_VERIFIED_EMAIL", "yes", "true or false"),
    ],
)
def test_a_bad_mail_setting_is_one_line_naming_it(monkeypatch, name, value, allowed):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_config("testing")
    message = str(refused.value)
    assert message.startswith(f"{name}=") and allowed in message and "\n" not in message


def test_mail_url_credentials_are_never_repeated(monkeypatch):
    monkeypatch.setenv("MAIL_URL", "smtp://mailer:hunter2-secret@mail.example.com:99999")
    with pytest.raises(ConfigError) as refused:
        load_config("testing")
    assert "hunter2" not in str(refused.value) and "smtp://***@mail" in str(refused.value)


@pytest.mark.parametrize(
    "value",
    [
        "smtp://mailer:p%40ss@mail.example.com:587?starttls=true",
        "smtps://mail.example.com:465",
        "smtp://127.0.0.1:2525",
    ],
)
def test_smtp_urls_are_taken_as_written(monkeypatch, value):
    monkeypatch.setenv("MAIL_URL", value)
    assert load_config("testing").MAIL_URL == value


def test_defaults_outside_production(monkeypatch):
    for name in ("MAIL_URL", "PUBLIC_BASE_URL", "REQUIRE_VERIFIED_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_config("development")
    assert settings.MAIL_URL == "console" and settings.MAIL_DELIVER_IN_PROCESS is True
    assert settings.EMAIL_VERIFICATION_EXPIRES == 86_400
    assert settings.PASSWORD_RESET_EXPIRES == 1800
    assert settings.REQUIRE_VERIFIED_EMAIL is False
    assert load_config("testing").MAIL_DELIVER_IN_PROCESS is False


def test_production_refuses_to_start_without_mail_url(production):
    with pytest.raises(ConfigError, match="MAIL_URL must be set in production"):
        load_config("production")


def test_production_refuses_the_console_transport(production):
    production.setenv("MAIL_URL", "console")
    with pytest.raises(ConfigError, match="MAIL_URL=console is not allowed in production"):
        load_config("production")


@pytest.mark.parametrize("value", ["disabled", "smtps://mailer:pw@mail.example.com"])
def test_production_starts_with_smtp_or_mail_disabled(production, value):
    production.setenv("MAIL_URL", value)
    assert load_config("production").MAIL_URL == value
