"""INTROSPECTION_CLIENTS: parsed at start-up into hashes, refused in one line naming the entry
(never its secret), and held to the signing keys' standard in production."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest

import config
from config import ConfigError, load_config

STRONG = secrets.token_urlsafe(32)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Production-ready keys and mail, so only INTROSPECTION_CLIENTS decides."""
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("JWT_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.delenv("JWT_PREVIOUS_SECRET_KEYS", raising=False)
    monkeypatch.delenv("MFA_ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'clients.db'}")
    monkeypatch.setenv("MAIL_URL", "disabled")
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "instance")
    return monkeypatch


@pytest.mark.parametrize("environment", ["development", "testing", "production"])
def test_unset_means_no_client(env, environment):
    env.delenv("INTROSPECTION_CLIENTS", raising=False)
    assert load_config(environment).INTROSPECTION_CLIENTS == {}


def test_only_a_hash_of_each_secret_is_kept(env):
    other = secrets.token_urlsafe(32)
    env.setenv("INTROSPECTION_CLIENTS", f" shop:{STRONG} , billing.v2:{other},")
    clients = load_config("production").INTROSPECTION_CLIENTS
    assert clients == {
        "shop": hashlib.sha256(STRONG.encode()).digest(),
        "billing.v2": hashlib.sha256(other.encode()).digest(),
    }
    assert STRONG not in repr(vars(load_config("production")))


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("shop", "entry 1"),
        ("shop:", "entry 1"),
        (":secret", "entry 1"),
        (f"shop:{STRONG},bad id:{STRONG}", "entry 2"),
        (f"shop:{STRONG},shop:{STRONG}x", "entry 2"),
        ("x" * 65 + ":secret", "entry 1"),
    ],
    ids=["no-colon", "no-secret", "no-id", "space-in-id", "id-twice", "id-too-long"],
)
def test_a_malformed_entry_is_one_line_naming_it(env, value, named):
    env.setenv("INTROSPECTION_CLIENTS", value)
    with pytest.raises(ConfigError) as refused:
        load_config("testing")
    message = str(refused.value)
    assert message.startswith(f"INTROSPECTION_CLIENTS {named}")
    assert "\n" not in message
    assert STRONG not in message and "secret" not in message.split("is not allowed")[0]


@pytest.mark.parametrize(
    "weak",
    ["short-secret", "a" * 40, "dev-only-jwt-secret-key-do-not-use-in-production"],
    ids=["short", "one-character", "from-the-repository"],
)
def test_production_refuses_a_weak_secret_without_showing_it(env, weak):
    env.setenv("INTROSPECTION_CLIENTS", f"shop:{STRONG},billing:{weak}")
    with pytest.raises(ConfigError) as refused:
        load_config("production")
    message = str(refused.value)
    assert message.startswith("INTROSPECTION_CLIENTS entry 2 ('billing')")
    assert weak not in message and STRONG not in message
    # Outside production a short secret is fine (a developer's machine).
    assert "billing" in load_config("development").INTROSPECTION_CLIENTS
