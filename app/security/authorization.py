"""AUTHORIZATION: what may the caller do? Every route declares it here, deny by default.

A view is decorated with exactly one policy, as its outermost decorator, so the check runs
before the body or query is read and before any lookup:

    @public                       anyone, no token
    @authenticated                any active user with a valid access token
    @roles_required("admin")      a valid access token of a user with one of these roles
    @admin_required               the same as roles_required("admin")
    @refresh_token_required       a valid refresh token (only POST /auth/refresh)

`check_every_route_has_a_policy` runs when the app is created and refuses to start if any
route lacks one. The policy is also written into the OpenAPI document (`security`,
`x-required-roles`) and into docs/roles.md (`routes_by_role`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask

from app.errors import Forbidden
from app.security.authentication import authenticate
from app.security.tokens import ACCESS, REFRESH
from app.web.openapi import BEARER_SCHEME, error_response_refs

View = TypeVar("View", bound=Callable[..., Any])
POLICY_ATTRIBUTE = "__wardrobe_policy__"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Policy:
    """Who may call a view: no token (`token is None`), or a token of a type and roles.

    `roles` empty means any active user.
    """

    token: str | None
    roles: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.token is None:
            return "public"
        if self.token == REFRESH:
            return "refresh token"
        return ", ".join(self.roles) if self.roles else "any active user"


class UndeclaredPolicyError(RuntimeError):
    """A route has no declared policy; the app refuses to start rather than expose it."""


def public(view: View) -> View:
    """Anyone may call this view; no token is read."""
    return _declare(view, Policy(token=None), view)


def authenticated(view: View) -> View:
    """Any active user with a valid access token."""
    return _guard(view, Policy(token=ACCESS))


def roles_required(*roles: str) -> Callable[[View], View]:
    """A valid access token of a user whose current role is one of `roles`, else 403."""
    if not roles:
        raise ValueError("roles_required needs at least one role; use @authenticated")
    return lambda view: _guard(view, Policy(token=ACCESS, roles=tuple(roles)))


admin_required = roles_required("admin")


def refresh_token_required(view: View) -> View:
    """A valid, current refresh token (the one route that rotates it)."""
    return _guard(view, Policy(token=REFRESH))


def _guard(view: View, policy: Policy) -> View:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        principal = authenticate(policy.token)
        if policy.roles and principal.role not in policy.roles:
            raise Forbidden(f"This needs the role: {' or '.join(policy.roles)}.")
        return view(*args, **kwargs)

    return _declare(guarded, policy, view)


def _declare(wrapper: View, policy: Policy, view: Callable[..., Any]) -> View:
    """Attach the policy to the view and to its OpenAPI operation."""
    setattr(wrapper, POLICY_ATTRIBUTE, policy)
    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    manual = apidoc.setdefault("manual_doc", {})
    if policy.token is None:
        manual["security"] = []
    else:
        manual["security"] = [{BEARER_SCHEME: []}]
        manual["x-required-roles"] = list(policy.roles)
        statuses = (401, 403) if policy.roles else (401,)
        manual.setdefault("responses", {}).update(error_response_refs(*statuses))
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return wrapper


def policy_of(view: Callable[..., Any]) -> Policy | None:
    return getattr(view, POLICY_ATTRIBUTE, None)


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
    """docs/roles.md: who may call what, generated from the declarations above."""
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
    return "\n".join(lines) + "\n"
