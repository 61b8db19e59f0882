"""Settings derived for production backends: PostgreSQL pool and timeouts, Redis limiter."""

from __future__ import annotations

import re

import pytest

from config import ConfigError, derived_settings, load_config, server_settings
from tests.support.paths import ROOT

POSTGRES = "postgresql+psycopg://app@db.internal:5432/wardrobe"


def settings(**changes) -> dict:
    return {**vars(load_config("testing")), **changes}


def test_postgresql_gets_a_checked_bounded_pool_and_a_short_connect_timeout():
    options = derived_settings(settings(SQLALCHEMY_DATABASE_URI=POSTGRES))[
        "SQLALCHEMY_ENGINE_OPTIONS"
    ]
    assert options["pool_pre_ping"] is True
    assert options["connect_args"] == {"connect_timeout": 3}
    assert (options["pool_size"], options["max_overflow"], options["pool_timeout"]) == (5, 5, 1.0)
    assert options["hide_parameters"] is True


def test_sqlite_gets_no_pool_settings():
    derived = derived_settings(settings(SQLALCHEMY_DATABASE_URI="sqlite:///x.db"))
    assert derived["SQLALCHEMY_ENGINE_OPTIONS"] == {"hide_parameters": True}
    assert derived["RATELIMIT_STORAGE_URI"] == "memory://"


def test_with_redis_the_limiter_shares_it_under_the_app_prefix():
    derived = derived_settings(
        settings(REDIS_URL="redis://cache:6379/2", REDIS_KEY_PREFIX="staging:")
    )
    assert derived["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    options = derived["RATELIMIT_STORAGE_OPTIONS"]
    assert options["key_prefix"] == "staging:limits"
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.5


@pytest.mark.parametrize("name", ["SESSION_CACHE_TTL", "REDIS_TIMEOUT_SECONDS"])
def test_cache_timings_must_be_positive(monkeypatch, name):
    monkeypatch.setenv(name, "0")
    with pytest.raises(ConfigError, match=name):
        load_config("testing")


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("LOGIN_RATE_LIMIT", "lots", "a rate such as"),
        ("REGISTER_RATE_LIMIT", "0 per hour", "a rate such as"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "-5", "from 1 to 86400"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "0", "from 1 to"),
        ("JWT_LEEWAY", "31", "from 0 to 30"),
        ("TRUSTED_PROXIES", "6", "from 0 to 5"),
        ("TRUSTED_PROXIES", "x", "whole number"),
        ("LOG_LEVEL", "loud", "one of DEBUG"),
        ("LOG_FORMAT", "xml", "one of text, json"),
        ("REDIS_URL", "http://cache:6379", "redis://"),
        ("REDIS_URL", "redis://cache:99999/0", "redis://"),
        ("DATABASE_URL", "mysql://db/wardrobe", "postgresql+psycopg"),
        ("DATABASE_URL", "not a url", "SQLAlchemy URL"),
        ("CORS_ORIGINS", "*", "origins like"),
        ("CORS_ORIGINS", "https://app.example.com/path", "origins like"),
        ("MAX_CONTENT_LENGTH", "0", "from 1 to"),
        ("MAX_CONTENT_LENGTH", "10**9", "whole number"),
        ("DB_POOL_SIZE", "0", "from 1 to 100"),
        ("DB_POOL_TIMEOUT", "nan", "a number from"),
        ("REDIS_TIMEOUT_SECONDS", "inf", "a number from"),
        ("REDIS_KEY_PREFIX", "has space", "A-Za-z0-9"),
        ("SESSION_CACHE_TTL", "-1", "from 1 to"),
        ("APP_ENV", "staging", "one of development, testing, production"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_its_value_and_what_is_allowed(
    monkeypatch, name, value, allowed
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_config()
    message = str(refused.value)
    assert message.startswith(f"{name}={value!r} is not allowed: ")
    assert allowed in message and "\n" not in message


def test_a_password_in_a_refused_url_is_not_repeated(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://app:hunter2-secret@db/wardrobe")
    with pytest.raises(ConfigError) as refused:
        load_config("testing")
    assert "hunter2" not in str(refused.value) and "mysql://***@db" in str(refused.value)


def test_access_tokens_never_outlive_refresh_tokens(monkeypatch):
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRES", "3600")
    monkeypatch.setenv("JWT_REFRESH_TOKEN_EXPIRES", "600")
    with pytest.raises(ConfigError, match="JWT_ACCESS_TOKEN_EXPIRES must not exceed"):
        load_config("testing")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LOGIN_RATE_LIMIT", "5/second;100/hour", "5/second;100/hour"),
        ("REDIS_URL", "rediss://:pw@cache.internal:6380/2", "rediss://:pw@cache.internal:6380/2"),
        ("REDIS_URL", "unix:///run/redis.sock", "unix:///run/redis.sock"),
        ("LOG_LEVEL", "debug", "DEBUG"),
        ("LOG_FORMAT", "JSON", "json"),
        ("CORS_ORIGINS", "https://a.example.com, http://localhost:5173", None),
        ("DATABASE_URL", "postgresql+psycopg://app@10.0.0.5:5432/wardrobe", None),
    ],
)
def test_good_values_are_taken_as_written(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    settings = vars(load_config("testing"))
    attribute = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}.get(name, name)
    if name == "CORS_ORIGINS":
        assert settings[attribute] == ["https://a.example.com", "http://localhost:5173"]
    else:
        assert settings[attribute] == (expected or value)


def test_gunicorn_settings_are_validated_too(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "0")
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY='0' is not allowed"):
        server_settings()
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:8080")
    assert server_settings()["bind"] == ["0.0.0.0:8080"]
    assert server_settings()["workers"] == 3
    assert server_settings()["return_memory"] is True  # on unless turned off
    monkeypatch.setenv("GUNICORN_RETURN_MEMORY", "maybe")
    with pytest.raises(ConfigError, match="GUNICORN_RETURN_MEMORY='maybe' is not allowed"):
        server_settings()
    monkeypatch.setenv("GUNICORN_RETURN_MEMORY", "false")
    assert server_settings()["return_memory"] is False


def test_env_example_lists_every_setting_and_is_accepted_as_written(monkeypatch):
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    values = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    read = set(re.findall(r'_(?:env_\w+|raw)\(\s*"([A-Z_]+)"', (ROOT / "config.py").read_text()))
    assert read - set(values) == set(), "add these to .env.example"
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert load_config().ENV_NAME == "development"
    assert server_settings()["bind"] == ["127.0.0.1:8000"]
