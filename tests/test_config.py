"""Settings derived for production backends: PostgreSQL pool and timeouts, Redis limiter."""

from __future__ import annotations

import pytest

from config import ConfigError, derived_settings, load_config

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
