"""The metrics settings: off by default, and in production a scrape token like a key."""

from __future__ import annotations

import secrets

import pytest

from config import ConfigError, load_config
from tests.support.settings import STRONG_SECRETS, production_ready_env


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    return production_ready_env(
        monkeypatch, tmp_path, unset=("METRICS_ENABLED", "METRICS_TOKEN", "MFA_ENCRYPTION_KEY")
    )


@pytest.mark.parametrize("environment", ["production", "development", "testing"])
def test_metrics_are_off_by_default(env, environment):
    settings = load_config(environment)
    assert settings.METRICS_ENABLED is False
    assert settings.METRICS_TOKEN == ""


def test_production_with_metrics_on_needs_a_token(env):
    env.setenv("METRICS_ENABLED", "true")
    with pytest.raises(ConfigError) as refused:
        load_config("production")
    assert str(refused.value).startswith("METRICS_TOKEN must be set in production")
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("short-token", "shorter than 32 bytes"),
        ("ab" * 20, "fewer than"),
        (STRONG_SECRETS["SECRET_KEY"], "equals SECRET_KEY"),
    ],
)
def test_production_refuses_a_weak_or_reused_token(env, token, why):
    env.setenv("METRICS_ENABLED", "true")
    env.setenv("METRICS_TOKEN", token)
    with pytest.raises(ConfigError) as refused:
        load_config("production")
    assert str(refused.value).startswith("METRICS_TOKEN")
    assert why in str(refused.value)
    assert token not in str(refused.value)


def test_production_takes_a_strong_token(env):
    token = secrets.token_urlsafe(48)
    env.setenv("METRICS_ENABLED", "true")
    env.setenv("METRICS_TOKEN", token)
    settings = load_config("production")
    assert (settings.METRICS_ENABLED, settings.METRICS_TOKEN) == (True, token)


def test_a_token_that_cannot_be_sent_as_a_bearer_token_is_refused(env):
    env.setenv("METRICS_TOKEN", "has spaces in it")
    with pytest.raises(ConfigError) as refused:
        load_config("development")
    assert str(refused.value).startswith("METRICS_TOKEN='has spaces in it' is not allowed: ")
