"""Outfits for the tests: a valid body, and creating one through the API."""

from __future__ import annotations

OUTFIT = {"name": "Sunday brunch", "note": "with the linen shirt", "visibility": "private"}


def create_outfit(client, headers: dict[str, str], **fields) -> dict:
    """POST /outfits with OUTFIT overridden by `fields`; returns the created outfit's JSON."""
    response = client.post("/outfits", json={**OUTFIT, **fields}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
