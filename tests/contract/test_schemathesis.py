"""Schemathesis: every operation of our own /openapi.json, fuzzed as an admin and as a user.

The document is loaded in-process from the app (the WSGI transport; no server). Each
generated request, valid and invalid alike, goes to a fresh app on the test's backend
(SQLite, or PostgreSQL and Redis under `make test-pg`) holding three users (the third with
one-time pins on), a few items and outfits (the user's private and public ones, the admin's
private one), so ids 1-3 exist. Every response must be no 5xx and conform to the document:
a documented status, content type and headers, a body matching its schema; invalid requests
must be refused; auth must not be ignored; undocumented methods get 405 with `Allow`.

Left out: `positive_data_acceptance`, which expects every schema-valid body to succeed.
Rules a JSON Schema cannot state make some of those a correct 422: the password policy
(common passwords, not the email), a cursor's MAC, an email's syntax, a photo URL's.

Bounded for CI (about 30 s): EXAMPLES_PER_OPERATION examples, derandomized so runs repeat.
Coverage is off here (`no_cover`): under Python 3.11's tracer it more than doubles the time
of hypothesis' generation, and the rest of the suite covers the app's lines anyway.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import create_app
from app.clothes.models import ClothingItem
from app.extensions import db
from app.identity.models import User
from app.outfits.models import Outfit
from app.security import totp
from tests.support.clients import basic, client_settings
from tests.support.data import PASSWORD
from tests.support.http import bearer
from tests.support.settings import TEST_SECRETS

EXAMPLES_PER_OPERATION = 20
load_all_checks()
EXCLUDED_CHECKS = [positive_data_acceptance]


def _document_app() -> Flask:
    """An app used only to serve /openapi.json at collection; it never opens its database."""
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", **TEST_SECRETS})


schema = schemathesis.openapi.from_wsgi("/openapi.json", _document_app())


@pytest.fixture
def app_overrides() -> dict:
    """An introspection client, whose credentials POST /auth/introspect is called with."""
    return client_settings()


@pytest.fixture(params=["admin", "user"])
def caller(request, app: Flask, admin, user, make_user, client: FlaskClient) -> Callable[..., dict]:
    """Tokens of the role under test, from a new login per example: a logout or password
    change the fuzzer makes must not leave the later examples with dead tokens. With
    `fresh`, of a new user of that role: the documented example password closes the
    account at DELETE /auth/me."""
    with app.app_context():
        for n in range(3):
            db.session.add(
                ClothingItem(name=f"Shirt {n}", category="tops", size="M", color="blue", price=10)
            )
        # A third user with one-time pins on, so DELETE /users/{id}/mfa can succeed too.
        pinned = User(email="pinned@example.com", password_hash="x", totp_enabled=True)
        db.session.add(pinned)
        db.session.flush()
        pinned.totp_secret = totp.encrypt(totp.new_secret(), pinned.id)
        for n, (owner, visibility) in enumerate(
            [(user, "private"), (user, "public"), (admin, "private")]
        ):
            db.session.add(Outfit(owner_id=owner.id, name=f"Look {n}", visibility=visibility))
        db.session.commit()
    email = admin.email if request.param == "admin" else user.email

    def tokens(*, fresh: bool = False) -> dict:
        login_as = make_user(role=request.param).email if fresh else email
        response = client.post("/auth/login", json={"email": login_as, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return tokens


@pytest.mark.no_cover
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case, app, caller):
    tokens = caller(fresh=(case.method, case.path) == ("DELETE", "/auth/me"))
    token = tokens["refresh_token" if case.path == "/auth/refresh" else "access_token"]
    # A case made invalid in its headers may have had Authorization taken away on purpose:
    # adding the token back would turn it into a valid request that is rightly accepted.
    drops_auth = case._meta is not None and case._meta.is_negative_at(ParameterLocation.HEADER)
    credentials = basic() if case.path == "/auth/introspect" else bearer(token)
    headers = {} if drops_auth and "Authorization" not in case.headers else credentials
    case.call_and_validate(app=app, headers=headers, excluded_checks=EXCLUDED_CHECKS)
