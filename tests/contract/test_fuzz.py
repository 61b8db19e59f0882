"""Whatever JSON arrives, the answer is a success or a problem document, never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.http import bearer

FIELDS = ["email", "password", "name", "current_password", "new_password", "role", "id"]
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), values, max_size=4)
EXPECTED = {200, 201, 204, 400, 401, 403, 409, 422}


@pytest.fixture
def access_token(make_user, login) -> str:
    return login(make_user())["access_token"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, route=st.sampled_from(["register", "login", "password"]))
def test_any_json_object_gets_a_proper_answer(client, access_token, body, route):
    raw = json.dumps(body)  # escapes lone surrogates, which then reach the schema as such
    if route == "password":
        response = client.put(
            "/auth/password", data=raw, content_type="application/json",
            headers=bearer(access_token),
        )  # fmt: skip
    else:
        response = client.post(f"/auth/{route}", data=raw, content_type="application/json")
    assert response.status_code in EXPECTED, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == response.status_code
