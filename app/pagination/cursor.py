"""The pagination cursor: which row a page starts after, opaque and tamper-evident.

The cursor is URL-safe base64 of compact JSON `{"r": list, "s": sort, "k": keys}`, a dot,
and a truncated HMAC-SHA256 of that JSON under SECRET_KEY. An altered cursor, one made for
another list or another sort, or garbage fails validation: a 422 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

from flask import current_app
from marshmallow import ValidationError

CURSOR_MAX_LENGTH = 512
MAC_BYTES = 16
MAC_PURPOSE = b"wardrobe-api/pagination-cursor\x00"
INVALID_CURSOR = "Invalid cursor: pass next_cursor from the previous page, with the same sort."


def encode_cursor(*, scope: str, sort: str, keys: list[Any]) -> str:
    """The cursor naming a row by its sort key values (`keys`), for one list and sort."""
    payload = json.dumps(
        {"r": scope, "s": sort, "k": [_encode_key(key) for key in keys]},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return f"{_b64encode(payload)}.{_b64encode(_mac(payload))}"


def decode_cursor(cursor: str, *, scope: str, sort: str) -> tuple[Any, ...]:
    """The sort key values a cursor names, once its MAC, list and sort are checked.

    Raises ValidationError (on `cursor`): anything else.
    """
    try:
        encoded_payload, _, encoded_mac = cursor.partition(".")
        payload = _b64decode(encoded_payload)
        if not hmac.compare_digest(_b64decode(encoded_mac), _mac(payload)):
            raise ValueError("bad MAC")
        content = json.loads(payload)
        keys = tuple(_decode_key(key) for key in content["k"])
        expected_length = 1 if sort.removeprefix("-") == "id" else 2
        if content["r"] != scope or content["s"] != sort or len(keys) != expected_length:
            raise ValueError("cursor of another list or sort")
    except (ValueError, TypeError, KeyError, ArithmeticError, binascii.Error):
        raise ValidationError(INVALID_CURSOR, field_name="cursor") from None
    return keys


def _mac(payload: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, MAC_PURPOSE + payload, hashlib.sha256).digest()[:MAC_BYTES]


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Raises ValueError: anything but the one spelling _b64encode gives these bytes.

    Python's decoder skips characters outside the alphabet, ignores extra padding and the
    unused low bits of the last character, so several strings would name one cursor.
    """
    if not text.isascii():
        raise ValueError("not base64")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(raw) != text:
        raise ValueError("not canonical base64")
    return raw


def _encode_key(value: Any) -> Any:
    """JSON for a sort key: ints and strings as they are, decimals and times tagged."""
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise TypeError(f"cannot page on a key of type {type(value).__name__}")


def _decode_key(value: Any) -> Any:
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "d" and isinstance(raw, str):
            return Decimal(raw)
        if tag == "t" and isinstance(raw, str):
            moment = dt.datetime.fromisoformat(raw)
            if moment.tzinfo is not None:
                return moment
    raise ValueError("unknown key encoding")
