from tests.support.http import assert_problem, bearer


def test_register_login_me_refresh_logout(client, login):
    response = client.post(
        "/auth/register", json={"email": " Ada@Example.com ", "password": "a long passphrase"}
    )
    assert response.status_code == 201, response.get_json()
    user = response.get_json()
    assert user["email"] == "ada@example.com"
    assert user["role"] == "user"
    assert set(user) == {
        "id",
        "email",
        "name",
        "role",
        "is_active",
        "email_verified",
        "created_at",
        "mfa_enabled",
    }

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


def test_docs_work_behind_a_path_prefix(client):
    """/docs names its files and the document relative to itself, never from the host's root,
    so served under /api (a proxy's prefix) the browser asks for /api/docs/..., /api/openapi.json.
    """
    page = client.get("/docs").get_data(as_text=True)
    initializer = client.get("/docs/swagger-initializer.js").get_data(as_text=True)
    assert 'src="docs/assets/swagger-ui-bundle.js"' in page
    assert 'src="docs/swagger-initializer.js"' in page
    assert '="/' not in page
    assert 'url: "openapi.json"' in initializer
    # Schemas open with their fields' types and limits, without a click per level.
    assert "defaultModelExpandDepth: 5" in initializer
