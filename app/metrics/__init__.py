"""Prometheus metrics: what an operator watches, counted where the app already knows it.

Off unless METRICS_ENABLED. Then `init_app` registers nothing: no request hook, no import of
prometheus_client, no /metrics route (a 404 like any unknown path), and each function below
returns at its first line. On, each family is counted in one place, one line each:

    requests, latency    the two request hooks of `init_app`
    logins               app/audit.py `record` (the login events), and a 429 on a login route
    token refusals       app/problems.py `handle_api_error` (the problem's `code`)
    rate-limit hits      app/problems.py: the limiter's 429 (by address or by user) and a
                         service's RateLimited (by account)
    sessions revoked     app/security/sessions.py `revoke_sessions_where`
    session cache        app/security/session_cache.py `lookup`
    backend errors       app/problems.py: the 503 handlers of the database and of Redis, and
                         SavedNotYetEverywhere (a change Redis did not take)

The metric objects: families.py. The scrape: exposition.py, served by app/health.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request

from app.errors import ApiError, RateLimited, SavedNotYetEverywhere
from app.extensions import client_address

if TYPE_CHECKING:
    from prometheus_client.metrics import Counter, Histogram

    from app.metrics.families import Families

EXTENSION = "wardrobe_metrics"
# A 429 on these is a throttled login (the limiter's per-address budget, or the account's).
LOGIN_ROUTES = frozenset({"/auth/login", "/auth/token", "/auth/login/mfa"})
LOGIN_EVENTS = {
    "login_succeeded": "success",
    "mfa_challenge_issued": "mfa_required",
    "mfa_failed": "mfa_invalid",
}
# Any other method (clients may send any token) is counted as "other": bounded labels.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route took it: the router's 404 or 405


def init_app(app: Flask) -> None:
    """With METRICS_ENABLED, build this app's metric families and time every request."""
    if not app.config["METRICS_ENABLED"]:
        return
    from prometheus_client import CollectorRegistry, disable_created_metrics

    from app.metrics.families import Families

    disable_created_metrics()  # no `_created` series: multiprocess mode has none either
    families = app.extensions[EXTENSION] = Families(CollectorRegistry())
    # Fast path [metrics-children]: see docs/performance.md. A request's two series are
    # found by one dict lookup; `labels()` would check and join three values under a lock
    # for each series, on every request.
    children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    @app.before_request
    def start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count_request(response: Response) -> Response:
        method = request.method if request.method in METHODS else "other"
        rule = request.url_rule
        key = (method, rule.rule if rule is not None else UNMATCHED, response.status_code)
        series = children.get(key)
        if series is None:
            series = children[key] = _series(families, *key)
        series[0].inc()
        started = g.pop("metrics_started", None)
        if started is not None:
            series[1].observe(time.perf_counter() - started)
        return response


def audited(event: str, fields: dict[str, Any]) -> None:
    """An audit event was recorded (app/audit.py): login events count as logins."""
    families = _families()
    if families is None:
        return
    outcome = LOGIN_EVENTS.get(event)
    if event == "login_failed":
        outcome = str(fields.get("reason"))
    if outcome is not None:
        families.logins.labels(outcome).inc()


def api_error(error: ApiError) -> None:
    """A domain error is answered (app/problems.py): a refused token, an account's 429, or a
    change Redis did not take."""
    families = _families()
    if families is None:
        return
    from app.metrics.families import TOKEN_REFUSALS

    if error.code in TOKEN_REFUSALS:
        families.token_refusals.labels(error.code).inc()
    elif isinstance(error, RateLimited):
        _rate_limited(families, "account")
    elif isinstance(error, SavedNotYetEverywhere):
        families.backend_errors.labels("redis").inc()


def limiter_refused(error: Exception) -> None:
    """flask-limiter answered 429: a per-address budget, or a per-user one (`caller_key`)."""
    families = _families()
    if families is None:
        return
    key_func = getattr(getattr(error, "limit", None), "key_func", client_address)
    _rate_limited(families, "address" if key_func is client_address else "user")


def backend_failed(backend: str) -> None:
    """The database or Redis failed and the request is answered 503."""
    families = _families()
    if families is not None:
        families.backend_errors.labels(backend).inc()


def sessions_revoked(reason: str, count: int) -> None:
    """`count` live sessions were just ended for `reason` (app/security/sessions.py)."""
    families = _families()
    if families is not None and count:
        families.sessions_ended.labels(reason).inc(count)


def session_cache_read(result: str) -> None:
    """A token check asked Redis for session state: "hit", "miss" or "error"."""
    families = _families()
    if families is not None:
        families.session_cache.labels(result).inc()


def _families() -> Families | None:
    return current_app.extensions.get(EXTENSION) if has_app_context() else None


def _rate_limited(families: Families, scope: str) -> None:
    families.rate_limited.labels(scope).inc()
    rule = request.url_rule if has_request_context() else None
    if rule is not None and rule.rule in LOGIN_ROUTES:
        families.logins.labels("throttled").inc()


def _series(families: Families, method: str, rule: str, status: int) -> tuple[Counter, Histogram]:
    """The request counter and latency histogram of one method, route and status."""
    route = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)  # /x/<id:item_id> -> /x/{item_id}
    return (
        families.requests.labels(method, route, str(status)),
        families.latency.labels(method, route),
    )
