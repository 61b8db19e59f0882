"""FastJSONProvider (orjson) writes the same JSON values as Flask's own provider."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from app.web.json_provider import FastJSONProvider


@dataclasses.dataclass
class Point:
    x: int
    label: str


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson declines, Flask's encoder takes over
    | st.floats(allow_nan=False, allow_infinity=False)  # non-finite: see the test below
    | st.text()  # lone surrogates too
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.datetimes(timezones=st.just(dt.UTC))
    | st.dates()
    | st.uuids()
    | st.builds(Point, x=st.integers(-5, 5), label=st.text(max_size=5))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers(-3, 3), inner, max_size=4)
    ),
    max_leaves=12,
)


BARE_APP = Flask(__name__)


def providers(sort_keys: bool) -> tuple[DefaultJSONProvider, FastJSONProvider]:
    flask_own, fast = DefaultJSONProvider(BARE_APP), FastJSONProvider(BARE_APP)
    flask_own.sort_keys = fast.sort_keys = sort_keys
    return flask_own, fast


@settings(max_examples=300, deadline=None)
@given(value=VALUES, sort_keys=st.booleans())
def test_the_same_json_value_as_flasks_provider(value, sort_keys):
    flask_own, fast = providers(sort_keys)
    try:
        expected = flask_own.dumps(value)
    except TypeError:  # sorting keys of mixed types: Flask's encoder cannot either
        with pytest.raises(TypeError):
            fast.dumps(value)
        return
    written = fast.dumps(value)
    assert json.loads(written) == json.loads(expected)
    if sort_keys or not isinstance(value, dict):
        return
    assert list(json.loads(written)) == list(json.loads(expected))  # insertion order kept


def test_dates_decimals_and_uuids_are_written_as_flask_writes_them():
    flask_own, fast = providers(sort_keys=False)
    value = {
        "at": dt.datetime(2026, 11, 29, 4, 5, 6, tzinfo=dt.UTC),
        "price": Decimal("12.50"),
        "id": uuid.UUID(int=1),
        "huge": 10**30,
    }
    assert json.loads(fast.dumps(value)) == json.loads(flask_own.dumps(value))
    assert json.loads(fast.dumps(value))["at"] == "Sun, 29 Nov 2026 04:05:06 GMT"


def test_non_finite_floats_become_null_not_invalid_json():
    """The one deliberate difference: Flask writes NaN and Infinity, which are not JSON (strict
    parsers refuse them); orjson writes null. No response of ours holds a float."""
    flask_own, fast = providers(sort_keys=False)
    value = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
    assert flask_own.dumps(value, separators=(",", ":")) == (
        '{"nan":NaN,"inf":Infinity,"-inf":-Infinity}'
    )
    assert fast.dumps(value, separators=(",", ":")) == '{"nan":null,"inf":null,"-inf":null}'


def test_served_bodies_use_it(app, client):
    assert isinstance(app.json, FastJSONProvider)
    response = client.get("/healthz")
    assert response.data == b'{"status":"ok"}\n'
