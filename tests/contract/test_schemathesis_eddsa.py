"""Schemathesis on GET /.well-known/jwks.json with EdDSA signing, where it answers 200.

test_schemathesis.py fuzzes every operation on the default (HS256) app, where this one is
a 404; here the document's 200 (its schema and Cache-Control header) is held true too.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import create_app
from tests.support.settings import TEST_SECRETS
from tests.support.signing import eddsa_settings, new_key

load_all_checks()
schema = schemathesis.openapi.from_wsgi(
    "/openapi.json",
    create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", **TEST_SECRETS}),
).include(operation_id="getJwks")


@pytest.fixture
def app_overrides(tmp_path) -> dict:
    return eddsa_settings(new_key(tmp_path / "a"), new_key(tmp_path / "b"))


@pytest.mark.no_cover
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_jwks_operation_conforms_under_eddsa(case, app):
    response = case.call_and_validate(app=app, excluded_checks=[positive_data_acceptance])
    if case.method == "GET":
        assert response.status_code == 200
        assert len(response.json()["keys"]) == 2
