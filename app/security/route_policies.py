"""The route inventory: which policy each route declared, checked at start-up and exported.

authorization.py attaches a Policy to every view it decorates; this module reads them back
from the app's URL map. `check_every_route_has_a_policy` runs when the app is created and
refuses to start if any route lacks one (deny by default). `render_roles_table` writes
docs/roles.md (`flask routes-by-role`, `make docs`), with the object rules of
object_rules.py after the routes.
"""

from __future__ import annotations

import re

from flask import Flask

from app.security.authorization import Policy, policy_of
from app.security.object_rules import render_object_rules

IGNORED_METHODS = {"HEAD", "OPTIONS"}


class UndeclaredPolicyError(RuntimeError):
    """A route has no declared policy; the app refuses to start rather than expose it."""


def routes_by_role(app: Flask) -> list[tuple[str, str, Policy | None]]:
    """Every (method, path, policy) the app serves, sorted by path then method."""
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            handler = getattr(view_class, method.lower(), None) if view_class else view
            routes.append((method, rule.rule, policy_of(handler) if handler else None))
    return sorted(routes, key=lambda route: (route[1], route[0]))


def check_every_route_has_a_policy(app: Flask) -> None:
    """Raises UndeclaredPolicyError: naming every route that declares no policy."""
    missing = [f"{method} {path}" for method, path, policy in routes_by_role(app) if not policy]
    if missing:
        raise UndeclaredPolicyError(
            "Routes without an authorization policy (use @public, @authenticated or "
            "@roles_required): " + ", ".join(missing)
        )


def render_roles_table(app: Flask) -> str:
    """docs/roles.md: who may call what, generated from the declarations in authorization.py."""
    lines = [
        "# Routes by role",
        "",
        "Generated from the policy each route declares (`app/security/authorization.py`);",
        "`make docs` rewrites it and a test fails when it is out of date.",
        "",
        "| method | path | who may call it |",
        "|---|---|---|",
    ]
    for method, path, policy in routes_by_role(app):
        shown = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", path)  # /x/<int(min=1):id> -> /x/{id}
        lines.append(f"| {method} | `{shown}` | {policy.describe() if policy else '**none**'} |")
    return "\n".join(lines + render_object_rules()) + "\n"
