from tests.support.http import assert_problem, bearer


def test_register_login_me_refresh_logout(client, login):
    response = client.post(
        "/auth/register", json={"email": " Ada@Example.com ", "password": "a long passphrase"}
    )
    assert response.status_code == 201, response.get_json()
    user = response.get_json()
    assert user["email"] == "ada@example.com"
    assert user["role"] == "user"
    assert set(user) == {"id", "email", "name", "role", "is_active", "created_at"}

    tokens = login("ada@example.com", "a long passphrase")
    me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["id"] == user["id"]

    refreshed = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200, refreshed.get_json()
    assert refreshed.headers["Cache-Control"] == "no-store"
    new = refreshed.get_json()

    reused = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert_problem(reused, 401, "refresh_reused")
    assert_problem(
        client.get("/auth/me", headers=bearer(new["access_token"])), 401, "token_revoked"
    )


def test_openapi_and_docs(client):
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
