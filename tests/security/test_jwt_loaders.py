"""flask-jwt-extended's own failures, should anyone use `@jwt_required` directly, are ours too.

Its defaults answer `{"msg": ...}` with 422 for a malformed token and 400 for a failed claim
check (docs/security.md); every loader is overridden to give a 401 problem document instead.
"""

from __future__ import annotations

import time

import jwt
import pytest
from flask import Flask
from flask_jwt_extended import jwt_required

from app.security.authorization import public
from app.web.blueprint import Blueprint
from tests.support.http import assert_problem, bearer
from tests.support.settings import TEST_SECRETS
from tests.support.tokens import claims_of


@pytest.fixture
def direct_app(app: Flask) -> Flask:
    """The app plus routes guarded by flask-jwt-extended itself, added before any request."""
    blp = Blueprint("direct", __name__, url_prefix="/direct")

    @blp.route("/any")
    @public
    @jwt_required()
    def any_token():
        return {"ok": True}

    @blp.route("/fresh")
    @public
    @jwt_required(fresh=True)
    def fresh_token():
        return {"ok": True}

    app.register_blueprint(blp)
    return app


def test_valid_token_passes(direct_app, tokens):
    client = direct_app.test_client()
    assert client.get("/direct/any", headers=bearer(tokens["access_token"])).status_code == 200


def test_missing_token(direct_app):
    response = direct_app.test_client().get("/direct/any")
    assert_problem(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "msg" not in response.get_json()


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_malformed_token(direct_app, token):
    response = direct_app.test_client().get("/direct/any", headers=bearer(token))
    assert_problem(response, 401, "token_invalid")
    assert "msg" not in response.get_json()


def test_expired_token(direct_app, tokens):
    claims = claims_of(tokens["access_token"])
    claims["exp"] = int(time.time()) - 60
    token = jwt.encode(claims, TEST_SECRETS["JWT_SECRET_KEY"], algorithm="HS256")
    response = direct_app.test_client().get("/direct/any", headers=bearer(token))
    assert_problem(response, 401, "token_expired")


def test_refresh_token_where_access_wanted(direct_app, tokens):
    response = direct_app.test_client().get("/direct/any", headers=bearer(tokens["refresh_token"]))
    assert_problem(response, 401, "token_invalid")


def test_fresh_token_required(direct_app, tokens):
    response = direct_app.test_client().get("/direct/fresh", headers=bearer(tokens["access_token"]))
    assert_problem(response, 401, "token_invalid")
    assert "msg" not in response.get_json()
