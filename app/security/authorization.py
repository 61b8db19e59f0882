"""AUTHORIZATION: what may the caller do? Every route declares it here, deny by default.

A view is decorated with exactly one policy, as its outermost decorator, so the check runs
before the body or query is read and before any lookup:

    @public                       anyone, no token
    @authenticated                any active user with a valid access token
    @roles_required("admin")      a valid access token of a user with one of these roles
    @roles_required("admin", mfa=True)
                                  ... whose session was opened with a one-time pin, when
                                  ADMIN_MFA_REQUIRED is on (else 403 mfa_session_required)
    @admin_required               roles_required("admin", mfa=True): every admin-only route
    @refresh_token_required       a valid refresh token (only POST /auth/refresh)
    @client_required              no token: a service's HTTP Basic client credentials
                                  (clients.py; only POST /auth/introspect)

Each decorator attaches its Policy to the view. route_policies.py reads them back: the app
refuses to start if any route lacks one, and docs/roles.md is generated from them. The
OpenAPI document shows them too (`security`, `x-required-roles`, `x-requires-mfa`:
app/web/openapi.py). How strongly the caller authenticated (the token's `amr`) is one more
input of authorization: it costs nothing to read, being in the verified token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app

from app.errors import ApiError, Forbidden, InvalidClient, MfaSessionRequired
from app.security.authentication import (
    RAISES,
    RAISES_WHEN_DOWN,
    RAISES_WHEN_UNSAFE,
    authenticate,
)
from app.security.clients import authenticate_client
from app.security.tokens import ACCESS, REFRESH, TokenType
from app.web.openapi import document_security
from app.web.problem_docs import codes_of

View = TypeVar("View", bound=Callable[..., Any])
POLICY_ATTRIBUTE = "__wardrobe_policy__"
UNSAFE_VIEW_NAMES = frozenset({"post", "put", "patch", "delete"})
_WHEN_MFA = " (when ADMIN_MFA_REQUIRED is on)"


@dataclass(frozen=True)
class Policy:
    """Who may call a view: no token (`token is None`), or a token of a type and roles, or
    (`client`) a service client with its Basic credentials instead of a token.

    `roles` empty means any active user. `mfa`: with ADMIN_MFA_REQUIRED on, the token's
    session must have been opened with a one-time pin (`otp` in its `amr`).
    """

    token: TokenType | None
    roles: tuple[str, ...] = ()
    mfa: bool = False
    client: bool = False

    def requirement(self) -> str | None:
        """What a caller needs, as the OpenAPI description says it; None when public."""
        if self.client:
            return "HTTP Basic credentials of a client listed in INTROSPECTION_CLIENTS"
        if self.token is None:
            return None
        if self.token == REFRESH:
            return (
                "a refresh token (`Authorization: Bearer <refresh token>`, or the refresh"
                " cookie with `X-CSRF-Token`)"
            )
        if not self.roles:
            return "an access token of any active user"
        who = "an access token of " + " or ".join(_with_article(role) for role in self.roles)
        return f"{who}, signed in with a one-time pin{_WHEN_MFA}" if self.mfa else who

    def problem_codes(self, *, unsafe: bool = False) -> dict[int, list[str]]:
        """The problem codes this policy answers with, by status (for the OpenAPI document).

        `unsafe`: the view changes state (POST, PUT, PATCH, DELETE), so a caller signed in
        by cookie can also be refused for its CSRF token.
        """
        if self.client:
            return codes_of(InvalidClient)
        if self.token is None:
            return {}
        errors: list[type[ApiError]] = [*RAISES[self.token], *RAISES_WHEN_DOWN]
        if self.roles:
            errors.append(Forbidden)
        if self.mfa:
            errors.append(MfaSessionRequired)
        if unsafe:
            errors.extend(RAISES_WHEN_UNSAFE)
        return codes_of(*errors)

    def describe(self) -> str:
        if self.client:
            return "introspection client (HTTP Basic)"
        if self.token is None:
            return "public"
        if self.token == REFRESH:
            return "refresh token"
        who = ", ".join(self.roles) if self.roles else "any active user"
        return f"{who}, in a one-time pin session if ADMIN_MFA_REQUIRED" if self.mfa else who


def public(view: View) -> View:
    """Anyone may call this view; no token is read."""
    return _declare(view, Policy(token=None), view)


def authenticated(view: View) -> View:
    """Any active user with a valid access token."""
    return _guard(view, ACCESS)


def roles_required(*roles: str, mfa: bool = False) -> Callable[[View], View]:
    """A valid access token of a user whose current role is one of `roles`, else 403.

    With `mfa`, and ADMIN_MFA_REQUIRED on, also a session opened with a one-time pin, else
    403 mfa_session_required (checked after the role: a non-admin still gets `forbidden`).
    """
    if not roles:
        raise ValueError("roles_required needs at least one role; use @authenticated")
    return lambda view: _guard(view, ACCESS, tuple(roles), mfa=mfa)


admin_required = roles_required("admin", mfa=True)


def refresh_token_required(view: View) -> View:
    """A valid, current refresh token (the one route that rotates it)."""
    return _guard(view, REFRESH)


def client_required(view: View) -> View:
    """A service client (a resource server) with its HTTP Basic credentials; no token."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        authenticate_client()
        return view(*args, **kwargs)

    return _declare(cast(View, guarded), Policy(token=None, client=True), view)


def _guard(view: View, token: TokenType, roles: tuple[str, ...] = (), *, mfa: bool = False) -> View:
    """Wrap `view` so it runs only for a caller with a valid `token` and one of `roles`."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        principal = authenticate(token)
        if roles and principal.role not in roles:
            raise Forbidden(f"This needs the role: {' or '.join(roles)}.")
        if mfa and "otp" not in principal.claims.amr and current_app.config["ADMIN_MFA_REQUIRED"]:
            raise MfaSessionRequired(
                "Log in again with a one-time pin (POST /auth/login, then /auth/login/mfa)."
            )
        return view(*args, **kwargs)

    return _declare(cast(View, guarded), Policy(token, roles, mfa), view)


def _declare(wrapper: View, policy: Policy, view: Callable[..., Any]) -> View:
    """Attach the policy to the view, and show it in the view's OpenAPI operation."""
    setattr(wrapper, POLICY_ATTRIBUTE, policy)
    document_security(
        wrapper,
        view,
        needs_token=policy.token is not None,
        client=policy.client,
        roles=policy.roles,
        requires_mfa=policy.mfa,
        # The password flow hands out access tokens: no use where a refresh token is due.
        password_flow=policy.token == ACCESS,
        requires=policy.requirement(),
        # A MethodView's methods are named after the HTTP method they answer.
        problem_codes=policy.problem_codes(unsafe=view.__name__ in UNSAFE_VIEW_NAMES),
    )
    return wrapper


def _with_article(role: str) -> str:
    return f"{'an' if role[:1] in 'aeiou' else 'a'} {role}"


def policy_of(view: Callable[..., Any]) -> Policy | None:
    """The policy `view` declared, or None if it declared none."""
    return getattr(view, POLICY_ATTRIBUTE, None)
