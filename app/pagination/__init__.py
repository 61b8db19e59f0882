"""Keyset pagination: listing.py builds and runs a list's query, cursor.py is the cursor format."""

from app.pagination.cursor import MAC_PURPOSE, decode_cursor, encode_cursor
from app.pagination.listing import (
    LIKE_ESCAPE,
    Listing,
    PageArgsSchema,
    PageRequest,
    like_escaped,
    sort_field,
)

__all__ = [
    "LIKE_ESCAPE",
    "MAC_PURPOSE",
    "Listing",
    "PageArgsSchema",
    "PageRequest",
    "decode_cursor",
    "encode_cursor",
    "like_escaped",
    "sort_field",
]
