"""Shared HTTP plumbing every feature's routes stand on.

blueprint.py     the project Blueprint: strict JSON bodies, `response(presenter=)`, `no_body`,
                 and the `<id:...>` path converter
request_body.py  the strict JSON and query-string parser, base query and no-body schemas
fields.py        marshmallow fields shared by the schemas
openapi.py       the problem+json and bearer-scheme side of the OpenAPI document
json_provider.py orjson for response bodies
headers.py       security headers, no-store for personal data, CORS
"""
