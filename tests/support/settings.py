"""Settings every test app starts with (tests/conftest.py); a test changes them through its
`app_overrides` fixture. Also the environment a settings test starts from."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

import pytest

TEST_SECRETS = {
    "SECRET_KEY": "test-secret-key-0123456789abcdef-0123456789",
    "JWT_SECRET_KEY": "test-jwt-secret-key-0123456789abcdef-012345",
}
# No test trips a rate limit by accident: the tests about limits set tight ones themselves.
GENEROUS_LIMITS = {
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "REGISTER_RATE_LIMIT": "100000 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
    "PASSWORD_CHANGE_RATE_LIMIT": "100000 per minute",
    "PASSWORD_RESET_RATE_LIMIT": "100000 per minute",
}

# Keys production accepts, fresh for each test run.
STRONG_SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(48),
    "JWT_SECRET_KEY": secrets.token_urlsafe(48),
}


def production_ready_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, unset: Iterable[str]
) -> pytest.MonkeyPatch:
    """An environment production starts in: strong keys, mail off (production refuses to
    start without a mail setting), a throwaway SQLite database; APP_ENV and `unset` removed,
    so a settings test sets only what it is about. Returns monkeypatch to set more."""
    for name in ("APP_ENV", *unset):
        monkeypatch.delenv(name, raising=False)
    for name, value in (STRONG_SECRETS | {"MAIL_URL": "disabled"}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    return monkeypatch
