"""Every metric the app exposes, in one place: names, help texts, labels and their values.

Only this module (and exposition.py) imports prometheus_client, and only an app with
METRICS_ENABLED imports this module: with metrics off, a worker neither loads the library
nor counts anything.

Every label takes values from a short list fixed here or in the code (a route's rule, never
the raw path; a problem `code`; a reason a service names), so no client can make the number
of series grow. The values known in advance are created at zero, so each series exists from
the first scrape and `rate()` sees its first increase.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

# Seconds. A read is a few milliseconds, a login (argon2) about 25 ms; 503s of a dead
# database come after its connect timeout (3 s by default).
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

LOGIN_OUTCOMES = (
    "success",
    "mfa_required",
    "mfa_invalid",
    "wrong_password",
    "unknown_email",
    "inactive",
    "email_unverified",
    "throttled",
)
TOKEN_REFUSALS = (
    "token_missing",
    "token_invalid",
    "token_expired",
    "token_revoked",
    "token_stale",
    "wrong_token_type",
    "refresh_reused",
    "csrf_failed",
)
SESSION_END_REASONS = (
    "logout",
    "logout_all",
    "ended_by_user",
    "refresh_reused",
    "password_changed",
    "password_reset",
    "password_set",
    "deactivated",
    "mfa_enabled",
    "mfa_disabled",
    "mfa_reset",
    "account_closed",
)
RATE_LIMIT_SCOPES = ("address", "user", "account")
CACHE_RESULTS = ("hit", "miss", "error")
BACKENDS = ("database", "redis")


class Families:
    """The metric objects of one app, registered in `registry`.

    Without multiprocess mode the registry is what a scrape shows, so each app (each test's
    app too) counts apart. In multiprocess mode every value lives in a file of its process
    under PROMETHEUS_MULTIPROC_DIR and a scrape reads them all (exposition.py).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "wardrobe_http_requests",
            "Requests answered, by method, route (the URL rule) and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "wardrobe_http_request_duration_seconds",
            "Time from the first to the last request hook, by method and route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.logins = self._counter(
            "wardrobe_logins",
            "Login attempts by outcome (a login with a pin counts mfa_required, then success).",
            "outcome",
            LOGIN_OUTCOMES,
        )
        self.token_refusals = self._counter(
            "wardrobe_token_refusals",
            "Requests refused for their token, by problem code.",
            "code",
            TOKEN_REFUSALS,
        )
        self.sessions_ended = self._counter(
            "wardrobe_sessions_revoked",
            "Sessions ended (revoked), by reason.",
            "reason",
            SESSION_END_REASONS,
        )
        self.rate_limited = self._counter(
            "wardrobe_rate_limited",
            "Requests answered 429, by whose budget was spent: address, user or account.",
            "scope",
            RATE_LIMIT_SCOPES,
        )
        self.session_cache = self._counter(
            "wardrobe_session_cache_reads",
            "Token checks that asked Redis for session state: hit, miss or error.",
            "result",
            CACHE_RESULTS,
        )
        self.backend_errors = self._counter(
            "wardrobe_backend_errors",
            "Requests answered 503 because the database or Redis failed.",
            "backend",
            BACKENDS,
        )

    def _counter(self, name: str, documentation: str, label: str, values: tuple) -> Counter:
        counter = Counter(name, documentation, [label], registry=self.registry)
        for value in values:
            counter.labels(value)
        return counter
