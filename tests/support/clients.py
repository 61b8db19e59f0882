"""Introspection clients from a resource server's side: credentials, and asking about a token."""

from __future__ import annotations

import base64
import secrets

from config import parse_clients

CLIENT_ID = "shop-service"
# Made per run: no client secret is written in the repository.
CLIENT_PASSWORD = secrets.token_urlsafe(32)
CLIENTS_SETTING = f"{CLIENT_ID}:{CLIENT_PASSWORD}"


def client_settings(raw: str = CLIENTS_SETTING) -> dict:
    """The app setting for INTROSPECTION_CLIENTS, as config.py builds it from the variable."""
    return {"INTROSPECTION_CLIENTS": parse_clients("INTROSPECTION_CLIENTS", raw, production=False)}


def basic(client_id: str = CLIENT_ID, password: str = CLIENT_PASSWORD) -> dict[str, str]:
    """`Authorization: Basic ...` for this client id and secret."""
    encoded = base64.b64encode(f"{client_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def introspect(client, token: str, *, as_json: bool = False, headers: dict | None = None):
    """POST /auth/introspect with `token`, as a form (RFC 7662's way) or as JSON."""
    headers = basic() if headers is None else headers
    if as_json:
        return client.post("/auth/introspect", json={"token": token}, headers=headers)
    return client.post("/auth/introspect", data={"token": token}, headers=headers)


def is_active(client, token: str) -> bool:
    """What introspection says of `token`; an inactive answer must be `{"active": false}` alone."""
    response = introspect(client, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    if not body["active"]:
        assert body == {"active": False}
    return body["active"]
