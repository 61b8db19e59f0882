"""Rotating the EdDSA signing key, step by step as docs/deploy.md says, on one database.

Each step is a deployment of its own (an app with that JWT_PRIVATE_KEY_FILES), all in this
process, so the verified-token cache of tokens.py sees every step and must not carry a
verdict from one key ring into the next:

1. A signs.                       JWKS: A.
2. A signs, B verifies (A, B).    JWKS: A, B. A's tokens valid. New tokens: A.
3. B signs, A verifies (B, A).    New tokens: B. A's tokens still valid; refreshing one
                                  gives B tokens.
4. A retired (B).                 A's tokens: token_invalid. JWKS: B. B's tokens valid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import jwt
import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.support.data import PASSWORD
from tests.support.http import assert_invalid, bearer, me
from tests.support.settings import GENEROUS_LIMITS, TEST_SECRETS
from tests.support.signing import KeyFile, eddsa_settings, new_key


@pytest.fixture
def deploy(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Another deployment on the test app's database (and Redis), signing with `keys`."""
    shared = {name: app.config[name] for name in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
    if app.config.get("REDIS_URL"):
        shared |= {name: app.config[name] for name in ("REDIS_URL", "REDIS_KEY_PREFIX")}
    made: list[Flask] = []

    def make(*keys: KeyFile) -> Flask:
        settings = {**TEST_SECRETS, **GENEROUS_LIMITS, **shared, **eddsa_settings(*keys)}
        made.append(create_app("testing", settings))
        return made[-1]

    yield make
    for each in made:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def login(app: Flask, email: str) -> dict:
    response = app.test_client().post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def published(app: Flask) -> list[str]:
    response = app.test_client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    return [jwk["kid"] for jwk in response.get_json()["keys"]]


def test_rotation_end_to_end(tmp_path, deploy, make_user):
    a, b = new_key(tmp_path / "a"), new_key(tmp_path / "b")
    users = [make_user().email for _ in range(3)]

    step1 = deploy(a)
    assert published(step1) == [a.kid]
    first = login(step1, users[0])
    kept = login(step1, users[1])  # held through every step, never refreshed
    assert kid_of(first["access_token"]) == a.kid

    step2 = deploy(a, b)
    assert published(step2) == [a.kid, b.kid]
    assert me(step2.test_client(), first["access_token"]).status_code == 200
    assert kid_of(login(step2, users[2])["access_token"]) == a.kid

    step3 = deploy(b, a)
    client3 = step3.test_client()
    assert published(step3) == [b.kid, a.kid]
    assert kid_of(login(step3, users[2])["access_token"]) == b.kid
    assert me(client3, kept["access_token"]).status_code == 200
    refreshed = client3.post("/auth/refresh", headers=bearer(first["refresh_token"]))
    assert refreshed.status_code == 200, refreshed.get_json()
    renewed = refreshed.get_json()
    assert kid_of(renewed["access_token"]) == kid_of(renewed["refresh_token"]) == b.kid

    step4 = deploy(b)
    client4 = step4.test_client()
    assert published(step4) == [b.kid]
    # Verified (and remembered) by steps 1-3 in this very process: refused all the same.
    assert_invalid(me(client4, kept["access_token"]))
    assert_invalid(client4.post("/auth/refresh", headers=bearer(kept["refresh_token"])))
    assert me(client4, renewed["access_token"]).status_code == 200
    assert (
        client4.post("/auth/refresh", headers=bearer(renewed["refresh_token"])).status_code == 200
    )


def test_a_deployment_that_never_held_a_key_refuses_its_tokens(tmp_path, deploy, make_user):
    """Two services with different keys: neither accepts the other's tokens."""
    a, b = new_key(tmp_path / "a"), new_key(tmp_path / "b")
    email = make_user().email
    token = login(deploy(a), email)["access_token"]
    assert_invalid(me(deploy(b).test_client(), token))
