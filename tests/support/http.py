"""Requests and checks the tests share: headers, problem documents, probing a token pair."""

from __future__ import annotations

INVALID_CHALLENGE = 'Bearer error="invalid_token"'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, code: str) -> dict:
    """The response is a problem document with this status and code; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["type"], str) and isinstance(body["title"], str)
    return body


def me(client, token: str | None = None, **kwargs):
    headers = bearer(token) if token is not None else {}
    return client.get("/auth/me", headers=headers, **kwargs)


def assert_invalid(response, code: str = "token_invalid") -> None:
    """A 401 with this code and the challenge for a presented-and-rejected token."""
    assert_problem(response, 401, code)
    assert response.headers["WWW-Authenticate"] == INVALID_CHALLENGE


def access_result(client, token: str) -> int | str:
    """200, or the problem `code` GET /auth/me answers with this token."""
    response = client.get("/auth/me", headers=bearer(token))
    if response.status_code == 200:
        return 200
    return assert_problem(response, 401, response.get_json()["code"])["code"]


def refresh(client, token: str, headers: dict | None = None, **kwargs):
    return client.post("/auth/refresh", headers={**bearer(token), **(headers or {})}, **kwargs)


def assert_dead(client, tokens: dict, code: str = "token_revoked") -> None:
    """Both tokens of a pair are refused with `code` (probing a dead refresh token is safe)."""
    assert access_result(client, tokens["access_token"]) == code
    assert_problem(refresh(client, tokens["refresh_token"]), 401, code)


def assert_alive(client, tokens: dict) -> dict:
    """Both tokens of a pair work; returns the pair the refresh gave (the one to hold now)."""
    assert access_result(client, tokens["access_token"]) == 200
    response = refresh(client, tokens["refresh_token"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def walk_pages(client, headers: dict[str, str], path: str, **query) -> list[dict]:
    """Every item of a keyset-paginated list, following next_cursor until it is null; each
    page answers 200 and holds no more than its `limit` (20 by default)."""
    items: list[dict] = []
    cursor = None
    for _ in range(1000):
        params = {**query, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, query_string=params, headers=headers)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        assert len(page["items"]) <= query.get("limit", 20)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("next_cursor never ran out")
