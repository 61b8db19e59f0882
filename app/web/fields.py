"""Marshmallow fields shared by every feature's schemas."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import ValidationError, fields

from app.email_addresses import InvalidEmail, normalise_email

# NUL breaks PostgreSQL text columns; lone surrogates cannot be encoded as UTF-8 at all.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class Text(fields.String):
    """A string that PostgreSQL and UTF-8 can both store: no NUL, no lone surrogates.

    `trim` strips surrounding white space before validation (names, emails); passwords
    keep theirs (they are only NFKC-normalised, in app/identity/passwords.py).
    """

    def __init__(self, *args: Any, trim: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.trim = trim

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _UNSTORABLE.search(text):
            raise ValidationError("Must not contain NUL characters or lone surrogates.")
        return text.strip() if self.trim else text


def rfc3339(value: dt.datetime) -> str:
    """`2026-11-29T04:05:06Z`: RFC 3339 in UTC, to the second (a naive value is taken as UTC)."""
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(dt.UTC)
    # isoformat is C and twice as fast as strftime (and faster without the timespec
    # argument); 40 of these go into every list page.
    return value.isoformat()[:19] + "Z"


class UtcDateTime(fields.DateTime):
    """RFC 3339 in UTC with a `Z`, to the second: `2026-11-29T04:05:06Z`."""

    def _serialize(self, value: dt.datetime | None, attr: str | None, obj: Any, **kwargs: Any):  # noqa: ARG002
        return None if value is None else rfc3339(value)


class StrictInteger(fields.Integer):
    """An integer that refuses `5.5`, `"5"` and `true` (marshmallow's Integer accepts them)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Email(Text):
    """An email address in its canonical form (app/email_addresses.py): NFKC, IDNA domain,
    lower case; invisible characters and (unless `refuse_mixed_scripts=False`) mixed-script
    look-alikes are a validation error saying what to fix."""

    def __init__(self, *args: Any, refuse_mixed_scripts: bool = True, **kwargs: Any):
        super().__init__(*args, trim=True, **kwargs)
        self.refuse_mixed_scripts = refuse_mixed_scripts

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_email(text, refuse_mixed_scripts=self.refuse_mixed_scripts)
        except InvalidEmail as error:
            raise ValidationError(str(error)) from None


class StrictBoolean(fields.Boolean):
    """A JSON `true` or `false` only: marshmallow's Boolean also takes 1, "yes", "on"…"""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:  # noqa: ARG002
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(fields.Boolean):
    """A query-string boolean: exactly `true` or `false` (docs/api.md)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, truthy={"true"}, falsy={"false"}, **kwargs)
