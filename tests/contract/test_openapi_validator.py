"""The document passes openapi-spec-validator (the OpenAPI 3.0 schema and its rules)."""

from __future__ import annotations

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename


def test_the_document_is_valid_openapi(client, tmp_path):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    validate(document)


def test_the_served_bytes_are_valid_openapi(client, tmp_path):
    """As a file, the way `openapi-spec-validator openapi.json` reads it (docs/api.md)."""
    path = tmp_path / "openapi.json"
    path.write_bytes(client.get("/openapi.json").data)
    spec, base_uri = read_from_filename(str(path))
    validate(spec, base_uri=base_uri)
