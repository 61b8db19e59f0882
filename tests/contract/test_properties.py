"""Properties of the pieces with rules, checked over generated input (hypothesis).

- password policy: the length bounds hold exactly, a common password is refused in any case,
  the email (in any case, padded) is refused, and anything else of a valid length passes;
- price: every amount of 0.00-999999.99 round-trips through string and number and is
  written with two decimals; more places, out of range, signs, exponents, spaces and
  non-numbers are refused, and no input raises anything but a validation error;
- email: trimmed and lowercased, idempotent, and no text raises anything but a validation error;
- cursors: encode/decode round-trips every key type; any mutation (a flipped or dropped
  character, a truncation, another key, sort or list) is refused, in-process and over HTTP.

The walk over changing rows lives in test_pagination.py; the any-JSON body fuzz in test_fuzz.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from app.clothes.schemas import Price
from app.identity.passwords import MAX_LENGTH, MIN_LENGTH, common_passwords, password_problems
from app.pagination import decode_cursor, encode_cursor
from app.web.fields import Email, rfc3339
from tests.support.http import assert_problem

FAST = settings(max_examples=150, deadline=None, database=None)
COMMON = sorted(common_passwords())
EMAILS = st.emails(domains=st.sampled_from(["example.com", "mail.example.org"]))


def case_variants(text: str) -> st.SearchStrategy[str]:
    flips = st.lists(st.booleans(), min_size=len(text), max_size=len(text))
    return flips.map(
        lambda up: "".join(c.upper() if u else c for c, u in zip(text, up, strict=True))
    )


# Password policy ------------------------------------------------------------------------


@FAST
@given(password=st.text(min_size=MIN_LENGTH, max_size=MAX_LENGTH), email=EMAILS)
def test_a_password_of_valid_length_passes_unless_common_or_the_email(password, email):
    assume(password.lower() not in common_passwords())
    assume(password.strip().lower() != email.lower())
    assert password_problems(password, email=email) == []


@FAST
@given(length=st.integers(0, 400), email=EMAILS)
def test_length_bounds_are_exact(length, email):
    password = ("x9" * 200)[:length]
    too_short_or_long = not MIN_LENGTH <= length <= MAX_LENGTH
    assert any("characters long" in p for p in password_problems(password, email=email)) == (
        too_short_or_long
    )


@FAST
@given(password=st.sampled_from(COMMON).flatmap(case_variants))
def test_a_common_password_is_refused_in_any_case(password):
    assert any("too common" in p for p in password_problems(password, email="a@example.com"))


@FAST
@given(email=EMAILS.filter(lambda e: len(e) >= MIN_LENGTH).flatmap(case_variants))
def test_the_email_is_refused_as_a_password_in_any_case(email):
    assert any("same as the email" in p for p in password_problems(email, email=email.lower()))


# Price ------------------------------------------------------------------------------------

CENTS = st.integers(0, 99_999_999)
NOT_A_PRICE = st.one_of(
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(), st.integers(), max_size=1),
)


class PriceSchema(Schema):
    price = Price(required=True)


def load_price(value: object) -> Decimal:
    return PriceSchema().load({"price": value})["price"]


@FAST
@given(cents=CENTS)
def test_every_price_round_trips_as_string_and_number(cents):
    amount = Decimal(cents) / 100
    written = PriceSchema().dump({"price": amount})["price"]
    assert written == f"{cents // 100}.{cents % 100:02d}"
    assert load_price(written) == amount
    assert load_price(float(written)) == amount
    if cents % 100 == 0:
        assert load_price(cents // 100) == amount


@FAST
@given(cents=CENTS, extra=st.integers(1, 9))
def test_a_third_decimal_place_is_refused(cents, extra):
    with pytest.raises(ValidationError):
        load_price(f"{cents // 100}.{cents % 100:02d}{extra}")


@FAST
@given(amount=st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_out_of_range_is_refused(amount):
    assume(not 0 <= amount < 1_000_000)
    with pytest.raises(ValidationError):
        load_price(str(amount))


@FAST
@given(value=st.text(max_size=20) | st.floats() | st.integers() | NOT_A_PRICE)
@example(value="1e3")
@example(value="-0")
@example(value=" 1")
@example(value="1_000")
@example(value="١٢")  # Arabic-Indic digits: Decimal() takes them, a price does not
def test_any_input_is_a_price_or_a_validation_error(value):
    try:
        amount = load_price(value)
    except ValidationError:
        return
    assert 0 <= amount < 1_000_000 and amount == amount.quantize(Decimal("0.01"))
    assert isinstance(value, int | float) or value.isascii()


# Email --------------------------------------------------------------------------------


class EmailSchema(Schema):
    email = Email(required=True)


@FAST
@given(email=EMAILS.flatmap(case_variants), pad=st.sampled_from(["", " ", "\t", "  \n"]))
def test_emails_are_trimmed_lowercased_and_idempotent(email, pad):
    loaded = EmailSchema().load({"email": f"{pad}{email}{pad}"})["email"]
    assert loaded == email.lower()
    assert EmailSchema().load({"email": loaded})["email"] == loaded


@FAST
@given(text=st.text(max_size=60))
def test_any_text_is_an_email_or_a_validation_error(text):
    try:
        loaded = EmailSchema().load({"email": text})["email"]
    except ValidationError:
        return
    assert loaded == text.strip().lower() and "@" in loaded


# Cursors ------------------------------------------------------------------------------

SECRET = "property-test-secret-key-0123456789abcdef"
KEYS = st.one_of(
    st.integers(1, 2**31 - 1).map(lambda n: ("id", [n])),
    st.tuples(st.text(max_size=40).filter(lambda t: "\x00" not in t), st.integers(1, 10**6)).map(
        lambda k: ("name", list(k))
    ),
    st.tuples(CENTS.map(lambda c: Decimal(c) / 100), st.integers(1, 10**6)).map(
        lambda k: ("price", list(k))
    ),
    st.tuples(
        st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2000, 1, 1)),
        st.integers(1, 10**6),
    ).map(lambda k: ("created_at", list(k))),
)
SORTS = st.sampled_from(["", "-"])


@pytest.fixture(scope="module")
def cursor_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET
    return app


@FAST
@given(field_keys=KEYS, direction=SORTS)
def test_cursors_round_trip(cursor_app, field_keys, direction):
    field, keys = field_keys
    with cursor_app.app_context():
        cursor = encode_cursor(scope="clothes", sort=direction + field, keys=keys)
        assert decode_cursor(cursor, scope="clothes", sort=direction + field) == tuple(keys)
        assert len(cursor) <= 512


def mutations(cursor: str) -> st.SearchStrategy[str]:
    """A changed character, a dropped one, an inserted or appended one, or a truncation."""
    alphabet = st.sampled_from("AZaz09-_.=+/!é ") | st.characters(codec="ascii")
    index = st.integers(0, len(cursor) - 1)
    return st.one_of(
        st.tuples(index, alphabet).map(lambda m: cursor[: m[0]] + m[1] + cursor[m[0] + 1 :]),
        index.map(lambda i: cursor[:i] + cursor[i + 1 :]),
        st.tuples(index, alphabet).map(lambda m: cursor[: m[0]] + m[1] + cursor[m[0] :]),
        st.text(alphabet, min_size=1, max_size=3).map(lambda tail: cursor + tail),
        index.map(lambda i: cursor[:i]),
    )


@FAST
@given(data=st.data(), field_keys=KEYS, direction=SORTS)
def test_a_mutated_cursor_is_refused(cursor_app, data, field_keys, direction):
    field, keys = field_keys
    sort = direction + field
    with cursor_app.app_context():
        cursor = encode_cursor(scope="clothes", sort=sort, keys=keys)
        mutated = data.draw(mutations(cursor))
        assume(mutated != cursor)
        with pytest.raises(ValidationError):
            decode_cursor(mutated, scope="clothes", sort=sort)


@pytest.mark.parametrize("spell", [":{}", "{}=", "{}==", "{}\n", "=={}"])
def test_only_the_canonical_spelling_of_a_cursor_is_accepted(cursor_app, spell):
    """Python's base64 decoder would skip stray characters and extra padding."""
    with cursor_app.app_context():
        cursor = encode_cursor(scope="clothes", sort="id", keys=[5])
        with pytest.raises(ValidationError):
            decode_cursor(spell.format(cursor), scope="clothes", sort="id")


@FAST
@given(
    field_keys=KEYS,
    direction=SORTS,
    other_direction=SORTS,
    scope=st.sampled_from(["users", "clothes"]),
)
def test_a_cursor_for_another_sort_list_or_key_is_refused(
    cursor_app, field_keys, direction, other_direction, scope
):  # fmt: skip
    field, keys = field_keys
    with cursor_app.app_context():
        cursor = encode_cursor(scope=scope, sort=direction + field, keys=keys)
        cursor_app.config["SECRET_KEY"] = "another-" + SECRET
        try:
            with pytest.raises(ValidationError):  # re-signed with another key
                decode_cursor(cursor, scope=scope, sort=direction + field)
        finally:
            cursor_app.config["SECRET_KEY"] = SECRET
        for other_scope, other_sort in (
            ("clothes" if scope == "users" else "users", direction + field),
            (scope, other_direction + ("name" if field != "name" else "id")),
        ):
            with pytest.raises(ValidationError):
                decode_cursor(cursor, scope=other_scope, sort=other_sort)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), last_id=st.integers(1, 2**31 - 1))
def test_a_mutated_cursor_over_http_is_422(app, client, user_headers, data, last_id):
    """The same, end to end: whatever the cursor, GET /clothes answers 422, never 500."""
    with app.app_context():
        cursor = encode_cursor(scope="clothes", sort="id", keys=[last_id])
    mutated = data.draw(mutations(cursor) | st.text(max_size=80))
    assume(mutated not in (cursor, ""))
    response = client.get("/clothes", query_string={"cursor": mutated}, headers=user_headers)
    assert list(assert_problem(response, 422, "validation_error")["errors"]) == ["cursor"]


# --- timestamps -------------------------------------------------------------------------------


@FAST
@given(
    moment=st.datetimes(
        min_value=dt.datetime(1000, 1, 1),
        max_value=dt.datetime(9998, 12, 31),
        timezones=st.none() | st.timezones() | st.just(dt.UTC),
    )
)
def test_timestamps_are_rfc3339_in_utc_to_the_second(moment):
    in_utc = moment if moment.tzinfo is None else moment.astimezone(dt.UTC)
    assert rfc3339(moment) == in_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
