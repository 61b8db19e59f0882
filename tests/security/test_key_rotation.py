"""Rotating JWT_SECRET_KEY without logging everyone out (docs/deploy.md).

Step 1 of a rotation deploys the new key with the old one in JWT_PREVIOUS_SECRET_KEYS: tokens
signed with the old key keep working until they expire, new ones are signed with the new key.
"""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from config import load_config
from tests.support.data import PASSWORD
from tests.support.http import assert_problem, bearer
from tests.support.settings import TEST_SECRETS

OLD_KEY = TEST_SECRETS["JWT_SECRET_KEY"]
NEW_KEY = "rotated-jwt-secret-key-0123456789abcdef-xyz"


@pytest.fixture
def app_overrides() -> dict:
    return {"JWT_SECRET_KEY": NEW_KEY, "JWT_PREVIOUS_SECRET_KEYS": [OLD_KEY]}


@pytest.fixture
def old_app(app: Flask) -> Iterator[Flask]:
    """The same deployment before the rotation: signs with the old key only."""
    settings = {name: app.config[name] for name in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
    if app.config.get("REDIS_URL"):
        settings |= {name: app.config[name] for name in ("REDIS_URL", "REDIS_KEY_PREFIX")}
    old = create_app("testing", {**settings, "JWT_SECRET_KEY": OLD_KEY})
    yield old
    with old.app_context():
        db.engine.dispose()


def test_tokens_signed_with_a_previous_key_still_work(app, client, old_app, make_user):
    user = make_user()
    old_tokens = (
        old_app.test_client()
        .post("/auth/login", json={"email": user.email, "password": PASSWORD})
        .get_json()
    )

    assert client.get("/auth/me", headers=bearer(old_tokens["access_token"])).status_code == 200
    refreshed = client.post("/auth/refresh", headers=bearer(old_tokens["refresh_token"]))
    assert refreshed.status_code == 200
    new_access = refreshed.get_json()["access_token"]
    jwt.decode(new_access, NEW_KEY, algorithms=["HS256"], audience="wardrobe-api")  # new key
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(new_access, OLD_KEY, algorithms=["HS256"], audience="wardrobe-api")


def test_once_the_old_key_is_dropped_its_tokens_are_refused(app, old_app, make_user):
    """Even a token verified (and so remembered, tokens.py) while the old key was accepted."""
    user = make_user()
    old_tokens = (
        old_app.test_client()
        .post("/auth/login", json={"email": user.email, "password": PASSWORD})
        .get_json()
    )
    client = app.test_client()
    assert client.get("/auth/me", headers=bearer(old_tokens["access_token"])).status_code == 200
    app.config["JWT_PREVIOUS_SECRET_KEYS"] = []
    refused = client.get("/auth/me", headers=bearer(old_tokens["access_token"]))
    assert_problem(refused, 401, "token_invalid")


def test_previous_keys_are_read_as_a_comma_list(monkeypatch):
    monkeypatch.setenv("JWT_PREVIOUS_SECRET_KEYS", " first-old-key , second-old-key ,")
    assert load_config("testing").JWT_PREVIOUS_SECRET_KEYS == ["first-old-key", "second-old-key"]
