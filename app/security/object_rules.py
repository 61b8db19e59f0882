"""OBJECT RULES: may the caller touch THIS object? Declared once, as query scopes.

A route policy (authorization.py) answers "may you call this route?" before anything is
read: any active user may call GET /outfits/{id}. Whether they may read outfit 7 depends on
the row, so the answer is a condition in the WHERE clause of every query of an owned table.
A row the caller may not see is never read; the service cannot forget the check.

    scope           who passes it (a user's own rows carry owner_id)
    visible_to      the owner; an admin; anyone, when the row is public and its owner active
    editable_by     the owner (PUT, PATCH)
    deletable_by    the owner; an admin (moderation, audited)
    owned_by        the owner (their own list; the rows deleted with a closed account)
    listed_publicly anyone, when the row is public and its owner active

A row outside `visible_to` is 404 `not_found`, byte for byte the answer for an id that does
not exist, so ids reveal nothing. A visible row outside `editable_by` or `deletable_by` is
403 `forbidden` for an admin, who reads every row and so knows it exists; for anyone else
(a reader of a public row) it is the same 404 (`refusal`): the rule's answer to "may you
touch this object?" is "there is nothing here for you", whatever the action.

`OwnerScopes(table)` builds the scopes for a table with `owner_id` and `visibility`; each
`Scope.apply` adds its condition and names itself in the statement's execution options (a
test checks that every statement reading such a table carries one). The conditions read the
caller from two bound parameters, `scope_parameters(principal)`, so each statement is built
once for every caller. `OwnerScopes.RULE` says the same in words: docs/roles.md shows it for
every kind of owned row, and each operation names its part in `x-object-rule`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    String,
    Table,
    and_,
    bindparam,
    exists,
    literal,
    or_,
)

from app.errors import ApiError, Forbidden, NotFound
from app.identity.models import User
from app.pagination import Listing, PageRequest
from app.security.authentication import Principal

Statement = TypeVar("Statement", bound=Any)
SCOPE_OPTION = "object_scope"
_caller: BindParameter[int] = bindparam("scope_user_id")
_caller_is_admin = bindparam("scope_role", type_=String(16)) == literal("admin", String(16))


def scope_parameters(principal: Principal) -> dict[str, Any]:
    """The bound parameters every scope reads the caller from."""
    return {"scope_user_id": principal.user_id, "scope_role": principal.role}


@dataclass(frozen=True, eq=False)
class Scope:
    """A named condition that a query of an owned table must carry."""

    name: str
    condition: ColumnElement[bool]

    def apply(self, statement: Statement) -> Statement:
        """`statement` (a SELECT, UPDATE or DELETE) restricted to the rows in this scope."""
        scoped: Statement = statement.where(self.condition)
        return scoped.execution_options(**{SCOPE_OPTION: self.name})  # type: ignore[no-any-return]


@dataclass(frozen=True, eq=False)
class OwnerScopes:
    """The scopes of a table whose rows have an owner (`owner_id`) and a `visibility`.

    `kind` names the rows in docs/roles.md and `x-object-rule` ("outfit"); building the
    scopes registers them there.
    """

    table: Table
    kind: str
    visible_to: Scope = field(init=False)
    editable_by: Scope = field(init=False)
    deletable_by: Scope = field(init=False)
    owned_by: Scope = field(init=False)
    listed_publicly: Scope = field(init=False)

    # The rule the scopes below implement, in words, by action.
    RULE: ClassVar[dict[str, str]] = {
        "read": "the owner; any active user if public and its owner active; an admin",
        "write": "the owner only (an admin: 403 `forbidden`)",
        "delete": "the owner; an admin (moderation, audited)",
        "list": "the caller's own; the public list: public ones of active owners",
        "otherwise": "404 `not_found`, the same answer as for an id that does not exist",
    }

    def __post_init__(self) -> None:
        columns = self.table.c
        owner = columns.owner_id == _caller
        owner_active = exists().where(User.id == columns.owner_id, User.is_active.is_(True))
        public = and_(columns.visibility == "public", owner_active)
        scopes = {
            "visible_to": or_(owner, _caller_is_admin, public),
            "editable_by": owner,
            "deletable_by": or_(owner, _caller_is_admin),
            "owned_by": owner,
            "listed_publicly": public,
        }
        for name, condition in scopes.items():
            object.__setattr__(self, name, Scope(name, condition))
        _registered[self.kind] = self

    def all(self) -> tuple[Scope, ...]:
        return (
            self.visible_to,
            self.editable_by,
            self.deletable_by,
            self.owned_by,
            self.listed_publicly,
        )

    def describe(self, action: str) -> str:
        """One action's part of the rule (an operation's `x-object-rule`)."""
        return f"{self.kind} {action}: {self.RULE[action]}"


_registered: dict[str, OwnerScopes] = {}


def refusal(principal: Principal, *, forbidden: str, not_found: str) -> ApiError:
    """The answer to a caller who can see a row but may not do this to it.

    An admin reads every row, so may learn that it is not theirs to change: 403. Anyone else
    gets the 404 of a missing row (`not_found` must be that answer's detail, byte for byte).
    """
    if principal.role == "admin":
        return Forbidden(forbidden)
    return NotFound(not_found)


class ScopedListing(Listing):
    """A Listing (app/pagination) whose every statement carries `scope`."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[ColumnElement[Any]],
        filters: Mapping[str, ColumnElement[bool]],
        scope: Scope,
    ) -> None:
        self.scope = scope
        super().__init__(table, columns, filters)

    def page_for(
        self, principal: Principal, page: PageRequest, filters: Mapping[str, Any]
    ) -> dict[str, Any]:
        """One page of the rows in the scope, for this caller."""
        return self.page(page, filters, bound=scope_parameters(principal))

    def _build(self, filter_names: frozenset[str], sort: str, paged: bool) -> Any:
        return self.scope.apply(super()._build(filter_names, sort, paged))


def render_object_rules() -> list[str]:
    """The object-rules section of docs/roles.md."""
    lines = [
        "",
        "## Object rules",
        "",
        "Generated from `app/security/object_rules.py`: which rows of an owned kind a caller",
        "may touch, applied as a scope in the WHERE clause of every query of its table.",
        "",
        "| object | action | who |",
        "|---|---|---|",
    ]
    for kind, scopes in sorted(_registered.items()):
        lines += [f"| {kind} | {action} | {who} |" for action, who in scopes.RULE.items()]
    return lines
