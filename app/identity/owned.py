"""What a user owns, counted per user, for the admin's view of a user (GET /users/{id}).

A feature that stores data a user owns (outfits) registers a count here; user
administration selects every registered count next to the user's columns, in the same
statement. Neither feature imports the other: both import this floor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Label

# A count's SQL, given the users.id column to correlate with.
Counter = Callable[[ColumnElement[Any]], ColumnElement[int]]

_counters: dict[str, Counter] = {}


def count_owned(name: str, counter: Counter) -> None:
    """Register the count `name` (a field of the admin's view of a user)."""
    _counters[name] = counter


def owned_counts(user_id: Any) -> list[Label[int]]:
    """Every registered count, as labelled scalar subqueries correlated with `user_id`."""
    return [counter(user_id).label(name) for name, counter in sorted(_counters.items())]


def count_names() -> list[str]:
    """The registered counts' names, in the order owned_counts selects them."""
    return sorted(_counters)
