"""The one-time pin settings: ADMIN_MFA_REQUIRED's defaults, MFA_ISSUER, MFA_ENCRYPTION_KEY."""

from __future__ import annotations

import secrets

import pytest

from config import ConfigError, load_config
from tests.support.settings import STRONG_SECRETS, production_ready_env


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    return production_ready_env(
        monkeypatch, tmp_path, unset=("ADMIN_MFA_REQUIRED", "MFA_ISSUER", "MFA_ENCRYPTION_KEY")
    )


@pytest.mark.parametrize(
    ("environment", "default"), [("production", True), ("development", False), ("testing", False)]
)
def test_admin_mfa_is_required_by_default_in_production_only(env, environment, default):
    assert load_config(environment).ADMIN_MFA_REQUIRED is default


@pytest.mark.parametrize(("raw", "value"), [("false", False), ("0", False), ("TRUE", True)])
def test_admin_mfa_required_can_be_set(env, raw, value):
    env.setenv("ADMIN_MFA_REQUIRED", raw)
    assert load_config("production").ADMIN_MFA_REQUIRED is value


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("ADMIN_MFA_REQUIRED", "yes please", "true or false"),
        ("MFA_ISSUER", "Wardrobe: <script>", "A-Za-z0-9"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(env, name, value, allowed):
    env.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_config()
    assert str(refused.value).startswith(f"{name}={value!r} is not allowed: ")
    assert allowed in str(refused.value)


def test_production_checks_an_mfa_encryption_key_like_the_others(env):
    env.setenv("MFA_ENCRYPTION_KEY", "short")
    with pytest.raises(ConfigError, match="MFA_ENCRYPTION_KEY"):
        load_config("production")
    env.setenv("MFA_ENCRYPTION_KEY", STRONG_SECRETS["SECRET_KEY"])
    with pytest.raises(ConfigError, match="MFA_ENCRYPTION_KEY is refused: it equals SECRET_KEY"):
        load_config("production")
    env.setenv("MFA_ENCRYPTION_KEY", secrets.token_urlsafe(48))
    assert load_config("production").MFA_ENCRYPTION_KEY
