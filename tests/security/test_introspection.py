"""POST /auth/introspect (RFC 7662): live access tokens are active, every other token is not,
and a revocation shows at once. Only clients with INTROSPECTION_CLIENTS credentials may ask."""

from __future__ import annotations

import base64
import time

import pytest

from app import create_app
from app.extensions import db
from app.security.tokens import MAX_TOKEN_LENGTH
from tests.support.backends import CLOSED_PORT
from tests.support.clients import (
    CLIENT_ID,
    CLIENT_PASSWORD,
    basic,
    client_settings,
    introspect,
    is_active,
)
from tests.support.data import PASSWORD
from tests.support.database import sql_statements
from tests.support.http import assert_problem, bearer
from tests.support.mfa import enrol
from tests.support.settings import TEST_SECRETS
from tests.support.tokens import WRONG_KEY, claims_of, forge

UNREACHABLE_DATABASE = f"postgresql+psycopg://postgres@127.0.0.1:{CLOSED_PORT}/gone"
CHALLENGE = 'Basic realm="wardrobe-api introspection", charset="UTF-8"'


@pytest.fixture
def app_overrides() -> dict:
    return client_settings()


# --- a live access token: its claims --------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_a_live_access_token_is_active_with_its_claims(client, tokens, as_json):
    response = introspect(client, tokens["access_token"], as_json=as_json)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    claims = claims_of(tokens["access_token"])
    assert response.get_json() == {
        "active": True,
        "sub": claims["sub"],
        "role": "user",
        "sid": claims["sid"],
        "amr": ["pwd"],
        "exp": claims["exp"],
        "iat": claims["iat"],
        "iss": claims["iss"],
        "aud": claims["aud"],
        "token_type": "access",
    }


def test_the_issuer_and_audience_are_the_apps_settings(app, client, tokens):
    body = introspect(client, tokens["access_token"]).get_json()
    assert (body["iss"], body["aud"]) == (app.config["JWT_ISSUER"], app.config["JWT_AUDIENCE"])


def test_an_admins_token_says_admin(client, admin, login):
    body = introspect(client, login(admin)["access_token"]).get_json()
    assert (body["active"], body["role"]) == (True, "admin")


def test_the_hint_and_unknown_fields_are_ignored(client, tokens):
    token = tokens["access_token"]
    for hint in ("access_token", "refresh_token", "anything"):
        body = {"token": token, "token_type_hint": hint, "client_id": "x"}
        response = client.post("/auth/introspect", data=body, headers=basic())
        assert response.get_json()["active"] is True


# --- every kind of dead token: {"active": false} and nothing else ---------------------------


def test_after_logout_the_token_is_inactive_at_once(client, tokens):
    token = tokens["access_token"]
    assert is_active(client, token)
    assert client.post("/auth/logout", headers=bearer(token)).status_code == 204
    assert not is_active(client, token)


def test_after_logout_all_every_sessions_token_is_inactive(client, user, login):
    first, second = login(user), login(user)
    assert client.post("/auth/logout-all", headers=bearer(first["access_token"])).status_code == 204
    assert not is_active(client, first["access_token"])
    assert not is_active(client, second["access_token"])


def test_a_session_ended_by_id_or_by_a_password_change(client, user, login):
    ended, changer, other = login(user), login(user), login(user)
    sid = claims_of(ended["access_token"])["sid"]
    headers = bearer(changer["access_token"])
    assert client.delete(f"/auth/sessions/{sid}", headers=headers).status_code == 204
    assert not is_active(client, ended["access_token"])
    body = {"current_password": PASSWORD, "new_password": "a-new-and-long-passphrase"}
    assert client.put("/auth/password", json=body, headers=headers).status_code == 204
    assert not is_active(client, other["access_token"])
    assert is_active(client, changer["access_token"])  # the calling session stays


def test_a_role_change_makes_the_token_inactive_until_refreshed(client, user, login, admin_headers):
    tokens = login(user)
    token = tokens["access_token"]
    assert is_active(client, token)
    response = client.patch(f"/users/{user.id}", json={"role": "admin"}, headers=admin_headers)
    assert response.status_code == 200
    assert not is_active(client, token)  # stale
    response = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    body = introspect(client, response.get_json()["access_token"]).get_json()
    assert (body["active"], body["role"]) == (True, "admin")


def test_a_deactivated_users_token_is_inactive(client, user, login, admin_headers):
    tokens = login(user)
    assert is_active(client, tokens["access_token"])
    response = client.patch(f"/users/{user.id}", json={"is_active": False}, headers=admin_headers)
    assert response.status_code == 200
    assert not is_active(client, tokens["access_token"])


def test_an_expired_token_is_inactive(client, access_claims):
    now = int(time.time())
    expired = forge({**access_claims, "iat": now - 100, "nbf": now - 100, "exp": now - 10})
    assert not is_active(client, expired)
    # The same claims, unexpired, signed with our key: the forge itself is sound.
    assert is_active(client, forge({**access_claims, "exp": now + 60}))


def test_a_refresh_token_is_inactive(client, tokens):
    assert not is_active(client, tokens["refresh_token"])


def test_an_mfa_token_is_inactive(client, user, user_headers):
    enrol(client, user_headers)
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    mfa_token = response.get_json()["mfa_token"]
    assert not is_active(client, mfa_token)


@pytest.mark.parametrize(
    "make",
    [
        lambda claims: forge(claims, key=WRONG_KEY),
        lambda claims: forge(claims, key=None, algorithm="none"),
        lambda claims: forge(claims, algorithm="HS512"),
        lambda claims: forge({key: v for key, v in claims.items() if key != "jti"}),
        lambda claims: forge({**claims, "sid": 999_999}),  # a session that does not exist
        lambda claims: forge({**claims, "sub": "999999"}),  # not the session's user
        lambda claims: forge({**claims, "type": "mfa"}),
        lambda _claims: "not-a-token",
        lambda _claims: "",
        lambda _claims: "a" * (MAX_TOKEN_LENGTH + 1),
        lambda _claims: "eyJhbGciOiJIUzI1NiJ9.\u00e9t\u00e9.x",
    ],
    ids=[
        "wrong-key",
        "alg-none",
        "other-alg",
        "no-jti",
        "unknown-session",
        "other-user",
        "mfa-type",
        "garbage",
        "empty",
        "too-long",
        "non-ascii",
    ],
)
def test_forged_and_garbage_tokens_are_inactive(client, access_claims, make):
    assert not is_active(client, make(access_claims))


def test_a_token_with_a_lone_surrogate_is_a_bad_request(client):
    response = client.post(
        "/auth/introspect",
        data='{"token": "\\ud800"}',
        content_type="application/json",
        headers=basic(),
    )
    assert_problem(response, 400, "validation_error")


# --- the request: form or JSON, a token required ---------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"data": {}}, {"json": {}}, {"json": {"token_type_hint": "access_token"}}, {}],
    ids=["empty-form", "empty-json", "hint-only", "no-body"],
)
def test_a_missing_token_is_400_invalid_request(client, kwargs):
    response = client.post("/auth/introspect", headers=basic(), **kwargs)
    body = assert_problem(response, 400, "validation_error")
    assert body["error"] == "invalid_request"
    assert "token" in body["errors"]


def test_a_body_neither_form_nor_json_is_415(client, tokens):
    response = client.post(
        "/auth/introspect", data=tokens["access_token"], content_type="text/plain", headers=basic()
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_malformed_json_is_400(client):
    response = client.post(
        "/auth/introspect", data="{", content_type="application/json", headers=basic()
    )
    assert_problem(response, 400, "malformed_json")


# --- the caller: a client with its Basic credentials -----------------------------------------


def encoded(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic(password=CLIENT_PASSWORD + "x"),
        basic(password=CLIENT_PASSWORD[:-1]),
        basic(password=""),
        basic(client_id="someone-else"),
        basic(client_id=CLIENT_ID.upper()),
        encoded(CLIENT_ID.encode()),  # no colon
        encoded(b"\xff\xfe:\xff"),  # not UTF-8
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Basic c2hvcC1zZXJ2aWNlOn\u00e9"},  # a non-ASCII character
        {"Authorization": "Bearer " + CLIENT_PASSWORD},
        {"Authorization": basic()["Authorization"].replace("Basic", "Digest")},
    ],
    ids=[
        "none",
        "longer-secret",
        "shorter-secret",
        "empty-secret",
        "unknown-id",
        "id-case",
        "no-colon",
        "not-utf8",
        "scheme-only",
        "not-base64",
        "not-ascii",
        "bearer",
        "other-scheme",
    ],
)
def test_missing_or_wrong_client_credentials_are_401(client, tokens, headers):
    response = introspect(client, tokens["access_token"], headers=headers)
    body = assert_problem(response, 401, "invalid_client")
    assert body["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert CLIENT_PASSWORD not in response.get_data(as_text=True)


def test_a_users_access_token_is_no_client_credential(client, tokens):
    response = introspect(client, tokens["access_token"], headers=bearer(tokens["access_token"]))
    assert_problem(response, 401, "invalid_client")


def test_credentials_are_checked_before_the_body_is_read(client):
    response = client.post("/auth/introspect", data="{", content_type="application/json")
    assert_problem(response, 401, "invalid_client")


def test_a_scheme_name_in_any_case_is_accepted(client, tokens):
    headers = {"Authorization": basic()["Authorization"].replace("Basic", "bAsIc")}
    assert introspect(client, tokens["access_token"], headers=headers).get_json()["active"]


def test_every_listed_client_may_call(app, client, tokens):
    app.config.update(client_settings(f"a:first-secret,b:second:with:colons,{CLIENT_ID}:x"))
    token = tokens["access_token"]
    assert introspect(client, token, headers=basic("a", "first-secret")).get_json()["active"]
    assert introspect(client, token, headers=basic("b", "second:with:colons")).status_code == 200
    assert introspect(client, token, headers=basic()).status_code == 401  # its secret changed
    assert introspect(client, token, headers=basic("a", "second:with:colons")).status_code == 401


def test_without_clients_configured_every_call_is_401(app, client, tokens):
    app.config["INTROSPECTION_CLIENTS"] = {}
    response = introspect(client, tokens["access_token"])
    assert_problem(response, 401, "invalid_client")


# --- what it costs ----------------------------------------------------------------------------


def test_a_call_costs_one_session_state_read(app, client, tokens):
    """As GET /auth/me's authentication: one SELECT (none when Redis serves it), no write."""
    token = tokens["access_token"]
    is_active(client, token)  # warm up the connection
    with sql_statements(app) as seen:
        assert is_active(client, token)
    assert len(seen) == (0 if app.config["REDIS_URL"] else 1)
    assert all(statement.lstrip().upper().startswith("SELECT") for statement in seen)


def test_a_forged_token_or_a_refused_client_costs_no_query(app, client, tokens, access_claims):
    with sql_statements(app) as seen:
        assert not is_active(client, forge(access_claims, key=WRONG_KEY))
        assert not is_active(client, tokens["refresh_token"])
        introspect(client, tokens["access_token"], headers={})
    assert seen == []


# --- fail closed ---------------------------------------------------------------------------


def test_a_database_that_does_not_answer_is_503_never_an_answer(app, client, tokens):
    """Revocation cannot be checked: the resource server hears 503, not `active`."""
    token = tokens["access_token"]
    down = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": UNREACHABLE_DATABASE, **TEST_SECRETS, **client_settings()},
    )
    try:
        response = introspect(down.test_client(), token)
        assert_problem(response, 503, "service_unavailable")
    finally:
        with down.app_context():
            db.engine.dispose()


# --- the OpenAPI document ----------------------------------------------------------------------


def test_the_document_shows_the_client_scheme_and_both_bodies(client):
    document = client.get("/openapi.json").get_json()
    scheme = document["components"]["securitySchemes"]["introspectionClient"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")
    operation = document["paths"]["/auth/introspect"]["post"]
    assert operation["security"] == [{"introspectionClient": []}]
    assert set(operation["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/json",
    }
    assert operation["x-problem-codes"]["401"] == ["invalid_client"]
    assert operation["x-problem-codes"]["400"] == ["malformed_json", "validation_error"]
