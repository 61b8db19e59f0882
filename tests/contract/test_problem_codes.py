"""Errors as they are: each operation's `x-problem-codes`, the Problem examples, the roles.

The codes the app really answers are held to the document over the whole run by the
plugin in tests/support/problem_recorder.py; these tests walk the document itself.
"""

from __future__ import annotations

import http
import time

import pytest

from app.errors import ApiError
from app.web.problem_docs import HTTP_STATUS_CODES
from app.web.problem_schema import PROBLEM_EXAMPLES
from tests.support.data import PASSWORD
from tests.support.http import bearer
from tests.support.openapi import operations
from tests.support.problem_recorder import Observed, missing_codes
from tests.support.tokens import claims_of, forge


def error_classes(cls: type = ApiError) -> list[type[ApiError]]:
    found: list[type[ApiError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *error_classes(sub)]
    return found


def known_codes() -> set[tuple[int, str]]:
    """Every (status, code) the app can answer: app/errors.py and app/problems.py."""
    codes = {(error.status, error.code) for error in [ApiError, *error_classes()]}
    return codes | set(HTTP_STATUS_CODES.items())


@pytest.fixture
def document(client) -> dict:
    return client.get("/openapi.json").get_json()


def test_every_operation_lists_its_problem_codes(document):
    for method, path, operation in operations(document):
        codes = operation["x-problem-codes"]
        assert list(codes) == sorted(codes), (method, path)
        for names in codes.values():
            assert names == sorted(set(names)), (method, path)


def test_every_listed_code_exists_with_that_status(document):
    known = known_codes()
    for method, path, operation in operations(document):
        for status, names in operation["x-problem-codes"].items():
            for code in names:
                assert (int(status), code) in known, (method, path, status, code)


def test_every_error_response_lists_codes_and_every_code_has_a_response(document):
    for method, path, operation in operations(document):
        codes = operation["x-problem-codes"]
        errors = {status for status in operation["responses"] if status[0] in "45"}
        undeclared = errors - set(codes)
        assert not undeclared, (
            f"{method.upper()} {path} ({operation['operationId']}) documents {sorted(undeclared)}"
            " with no code: name the exceptions with @blp.raises(...) instead of alt_response"
        )
        assert set(codes) <= set(operation["responses"]), (method, path)


def test_codes_come_from_the_policy_the_body_and_the_declarations(document):
    ops = {op["operationId"]: op["x-problem-codes"] for _, _, op in operations(document)}
    assert ops["liveness"] == {}
    assert "401" not in ops["register"]
    assert ops["logIn"]["401"] == ["invalid_credentials", "mfa_required"]
    assert ops["refreshTokens"]["401"][0] == "refresh_reused"
    assert "token_stale" in ops["getMe"]["401"]
    assert "403" not in ops["getMe"]
    assert ops["listUsers"]["403"] == ["forbidden", "mfa_session_required"]
    # An unsafe method signed in by cookie can miss its CSRF token; a read cannot.
    assert ops["changePassword"]["403"] == ["csrf_failed", "wrong_password"]
    assert ops["logOut"]["403"] == ["csrf_failed"] and "403" not in ops["getTokenInfo"]
    assert ops["updateClothingItem"]["412"] == ["precondition_failed"]
    assert ops["updateClothingItem"]["422"] == ["validation_error"]
    assert ops["listClothes"]["422"] == ["validation_error"]
    assert "415" not in ops["logOut"]  # no body: any Content-Type
    assert ops["grantToken"]["400"] == [
        "email_unverified",
        "invalid_credentials",
        "mfa_required",
        "validation_error",
    ]
    assert ops["updateUser"]["409"] == ["last_admin"]


def test_codes_are_shown_in_the_description(document):
    for method, path, operation in operations(document):
        for status, names in operation["x-problem-codes"].items():
            line = f"- {status}: " + ", ".join(f"`{name}`" for name in names)
            assert line in operation["description"], (method, path)


def test_one_problem_component(document):
    schemas = document["components"]["schemas"]
    problems = [
        name
        for name, schema in schemas.items()
        if {"code", "status"} <= set(schema.get("properties", {}))
    ]
    assert problems == ["Problem"]
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "code"}
    assert {"detail", "errors", "error"} <= set(schemas["Problem"]["properties"])
    assert schemas["Problem"].get("additionalProperties", True) is not False


def answered_statuses(document: dict) -> set[int]:
    return {
        int(status)
        for _, _, operation in operations(document)
        for status in operation["x-problem-codes"]
    }


def test_each_status_answered_has_a_true_example(document):
    known = known_codes()
    for status in answered_statuses(document):
        response = document["components"]["responses"][http.HTTPStatus(status).name]
        example = response["content"]["application/problem+json"]["example"]
        assert example["status"] == status
        assert (status, example["code"]) in known, example
        titles = {
            e.title for e in error_classes() if (e.status, e.code) == (status, example["code"])
        }
        assert example["title"] in titles | {http.HTTPStatus(status).phrase}, example
        # The example is one this status really carries, somewhere in the document.
        assert any(
            example["code"] in op["x-problem-codes"].get(str(status), [])
            for _, _, op in operations(document)
        ), example


def test_the_examples_are_what_the_api_answers(client, user_headers, admin_headers, item):
    stale = {**admin_headers, "If-Match": '"stale"'}
    claims = claims_of(user_headers["Authorization"].removeprefix("Bearer "))
    expired = bearer(forge({**claims, "exp": int(time.time()) - 60}))
    answers = {
        400: client.post("/auth/login", data="{", content_type="application/json"),
        401: client.get("/auth/me", headers=expired),
        403: client.post("/clothes", json={}, headers=user_headers),
        404: client.get("/clothes/999999", headers=user_headers),
        412: client.patch(f"/clothes/{item['id']}", json={"color": "blue"}, headers=stale),
        415: client.post("/auth/login", data="{}", content_type="text/plain"),
        422: client.post("/auth/login", json={"email": "someone@example.com"}),
    }
    account = {"email": "taken@example.com", "password": PASSWORD}
    assert client.post("/auth/register", json=account).status_code == 201
    answers[409] = client.post("/auth/register", json=account)
    for status, response in answers.items():
        assert response.status_code == status, response.get_json()
        assert response.get_json() == PROBLEM_EXAMPLES[status], status


def test_protected_operations_say_what_they_require_first(document):
    for method, path, operation in operations(document):
        description = operation.get("description", "")
        roles = operation.get("x-required-roles")
        if operation["security"] == []:
            assert "**Requires:**" not in description, (method, path)
            continue
        first = description.split("\n\n")[0]
        if path == "/auth/introspect":
            assert first == (
                "**Requires:** HTTP Basic credentials of a client listed in INTROSPECTION_CLIENTS."
            )
        elif path == "/auth/refresh":
            assert first.startswith("**Requires:** a refresh token"), first
        elif roles:
            who = "**Requires:** an access token of an " + " or ".join(roles)
            if operation.get("x-requires-mfa"):
                who += ", signed in with a one-time pin (when ADMIN_MFA_REQUIRED is on)"
            assert first == who + ".", (method, path)
        else:
            assert first == "**Requires:** an access token of any active user.", (method, path)


def test_the_docstring_follows_the_requirement(document):
    patch = document["paths"]["/clothes/{item_id}"]["patch"]
    assert patch["x-required-roles"] == ["admin"]
    assert patch["summary"] == "Change some fields of an item. Honours If-Match."
    assert patch["description"].startswith(
        "**Requires:** an access token of an admin, signed in with a one-time pin (when "
        "ADMIN_MFA_REQUIRED is on).\n\n"
    )


def test_the_recorder_names_what_is_missing_and_where(document):
    observed = {
        Observed("patch", "/users/{user_id}", 409, "last_admin"): "test_a",
        Observed("patch", "/users/{user_id}", 409, "email_taken"): "test_b",
        Observed("get", "/auth/me", 418, "teapot"): "test_c",
        Observed("post", "/not/in/the/document", 409, "email_taken"): "test_d",
    }
    assert missing_codes(document, observed) == [
        "GET /auth/me (getMe) answered 418 `teapot` in test_c, but its x-problem-codes do not"
        " list it: document where it comes from (app/web/problem_docs.py).",
        "PATCH /users/{user_id} (updateUser) answered 409 `email_taken` in test_b, but its"
        " x-problem-codes do not list it: add @blp.raises(EmailTaken) to the view.",
    ]
