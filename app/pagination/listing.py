"""Keyset pagination, shared by every list (/clothes, /users). Design: docs/catalogue.md.

A page is the first `limit` rows, in `sort` order, that come strictly after the row the
cursor (cursor.py) names. The cursor holds that row's sort key and id, never an offset, so
rows inserted or deleted meanwhile cannot shift a page: a row that exists for the whole walk
is seen exactly once. One extra row is fetched to learn whether a next page exists (no COUNT).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import fields, post_load, validate
from sqlalchemy import BindParameter, ColumnElement, Select, Table, and_, bindparam, or_, select

from app.database import read
from app.pagination.cursor import CURSOR_MAX_LENGTH, INVALID_CURSOR, decode_cursor, encode_cursor
from app.web.request_body import QueryArgsSchema

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Substring filters escape LIKE's wildcards with this character (like_escaped).
LIKE_ESCAPE = "/"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page: `after` is the sort key (and id) of the last row already seen, or None."""

    scope: str
    sort: str
    limit: int = DEFAULT_LIMIT
    after: tuple[Any, ...] | None = None

    @property
    def field(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


def sort_field(*names: str, default: str = "id") -> fields.String:
    """The `sort` query parameter: each name ascending, or descending with a leading `-`."""
    choices = [prefix + name for name in names for prefix in ("", "-")]
    return fields.String(load_default=default, validate=validate.OneOf(choices))


class PageArgsSchema(QueryArgsSchema):
    """Base of every list's query schema; `limit`, `sort` and `cursor` load as one `page`.

    Subclasses set CURSOR_SCOPE (the list's name, so a cursor of /users is refused by
    /clothes) and declare `sort = sort_field(...)` with model attribute names.
    """

    CURSOR_SCOPE: ClassVar[str] = ""

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    sort = sort_field("id")
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=CURSOR_MAX_LENGTH, error=INVALID_CURSOR),
        metadata={"description": "next_cursor of the previous page."},
    )

    @post_load
    def fold_page(self, data: dict, **_kwargs: Any) -> dict:
        """Raises ValidationError (on `cursor`): altered, foreign or garbage cursor."""
        sort, limit, cursor = data.pop("sort"), data.pop("limit"), data.pop("cursor")
        after = decode_cursor(cursor, scope=self.CURSOR_SCOPE, sort=sort) if cursor else None
        data["page"] = PageRequest(scope=self.CURSOR_SCOPE, sort=sort, limit=limit, after=after)
        return data


class Listing:
    """One list endpoint's query: a table, its columns, and the filters it understands.

    `filters` maps a filter's name to a condition on bound parameters of the same name,
    e.g. `{"size": clothes.c.size == bindparam("size")}`. A request passes a value for each
    filter (None: not filtered on), and gets one page.

    Each shape of query (which filters are present, the sort, first page or a later one)
    is built once and reused with new parameter values. Fast path [list-shapes]: see
    docs/performance.md. Building the SELECT and letting SQLAlchemy derive its cache key on
    every request cost more than running it. A few dozen shapes are in real use; the cache
    holds SHAPES_CACHED of them, so no walk through every combination can grow memory
    without bound.
    """

    SHAPES_CACHED = 128

    def __init__(
        self,
        table: Table,
        columns: Sequence[ColumnElement[Any]],
        filters: Mapping[str, ColumnElement[bool]],
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.filters = dict(filters)
        self._statement = functools.lru_cache(maxsize=self.SHAPES_CACHED)(self._build)

    def page(
        self,
        page: PageRequest,
        filters: Mapping[str, Any],
        bound: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One page of the rows matching every filter in `filters` (name -> value), sorted.

        A filter whose value is None is not applied. `bound` holds values for bound
        parameters a subclass's statement adds (an object rule's scope: object_rules.py).

        Ties on the sort key are broken by id in the same direction, so the order is total
        and "after this row" is well defined. Returns {"items": rows, "next_cursor": str |
        None}. Items are plain result rows, read by attribute like model objects: a
        read-only list needs no ORM objects.
        """
        given = {name: value for name, value in filters.items() if value is not None}
        statement = self._statement(frozenset(given), page.sort, page.after is not None)
        parameters = {**(bound or {}), **given, "limit": page.limit + 1}
        if page.after is not None:  # the cursor's (sort key, id), or (id,) when sorting by id
            parameters["after_id"] = page.after[-1]
            if len(page.after) == 2:
                parameters["after_key"] = page.after[0]
        rows = read(statement, parameters).all()
        next_cursor = None
        if len(rows) > page.limit:
            rows = rows[: page.limit]
            keys = [getattr(rows[-1], name) for name in _key_names(page.field)]
            next_cursor = encode_cursor(scope=page.scope, sort=page.sort, keys=keys)
        return {"items": rows, "next_cursor": next_cursor}

    def _build(self, filter_names: frozenset[str], sort: str, paged: bool) -> Select:
        """The SELECT for one shape, every value a bound parameter."""
        descending = sort.startswith("-")
        keys = [self.table.c[name] for name in _key_names(sort.removeprefix("-"))]
        statement = select(*self.columns).where(*(self.filters[name] for name in filter_names))
        if paged:
            statement = statement.where(_after(keys, descending=descending))
        order = [key.desc() if descending else key.asc() for key in keys]
        return statement.order_by(*order).limit(bindparam("limit"))


def _key_names(field: str) -> tuple[str, ...]:
    """The columns a sort orders by: the field, then id to break ties."""
    return ("id",) if field == "id" else (field, "id")


def _after(keys: list[Any], *, descending: bool) -> Any:
    """Rows strictly after (:after_key, :after_id) in (sort key, id) order.

    Written as `key >= v AND (key > v OR id > last_id)` (mirrored for descending) rather
    than a row-value comparison, so every database can range-scan the (key, id) index.
    """
    last_id: BindParameter[Any] = bindparam("after_id")
    if len(keys) == 1:
        return keys[0] < last_id if descending else keys[0] > last_id
    key, id_column = keys
    value: BindParameter[Any] = bindparam("after_key")
    if descending:
        return and_(key <= value, or_(key < value, id_column < last_id))
    return and_(key >= value, or_(key > value, id_column > last_id))


def like_escaped(text: str) -> str:
    """`text` for `LIKE ... ESCAPE '/'`: its `%`, `_` and `/` match only themselves.

    SQLAlchemy's `autoescape=True` does this for a literal value; a Listing's statement is
    built once with a bound parameter, so its substring filters escape the value themselves.
    """
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")
