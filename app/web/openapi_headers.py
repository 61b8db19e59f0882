"""HTTP headers as the OpenAPI document declares them: request parameters, response headers.

A header is declared where the API honours or always sends it, so a generated client gets an
argument for it and Swagger UI a field.
"""

from __future__ import annotations

# Conditional request headers (RFC 9110), as parameters of the operations that honour them.
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag you last saw (or `*`); if the item changed since, 412 and nothing"
    " changes.",
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETags of copies you hold; if one is current, the answer is 304, no body.",
}
# Response headers, where they are always sent.
ETAG = {
    "description": "The item's current version (strong).",
    "required": True,
    "schema": {"type": "string"},
}
LOCATION = {"description": "The new item's path.", "required": True, "schema": {"type": "string"}}
WWW_AUTHENTICATE = {
    "description": '`Bearer`, with `error="invalid_token"` when a token was rejected (RFC 6750);'
    " `Basic` where client credentials are wanted (POST /auth/introspect).",
    "required": True,
    "schema": {"type": "string"},
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer"},
}
# Headers every response of a status carries, on the shared responses of those statuses.
STATUS_HEADERS = {401: {"WWW-Authenticate": WWW_AUTHENTICATE}, 429: {"Retry-After": RETRY_AFTER}}
