"""GET /metrics: off means absent, the scrape token, and every family moving with its event.

Each test scrapes before and after the event and compares: the families are counted per app
(each test's app has its own registry), so nothing another test did shows here anyway.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app, metrics
from app.extensions import db
from app.metrics.families import LATENCY_BUCKETS
from tests.support import backends
from tests.support.data import PASSWORD
from tests.support.database import sql_statements
from tests.support.http import assert_problem, bearer
from tests.support.metrics import METRICS_ON, SCRAPE_TOKEN, Scraper, family_names
from tests.support.paths import ROOT
from tests.support.settings import TEST_SECRETS
from tests.support.signing import forged_access_token

FAMILIES = {
    "wardrobe_http_requests",
    "wardrobe_http_request_duration_seconds",
    "wardrobe_logins",
    "wardrobe_token_refusals",
    "wardrobe_sessions_revoked",
    "wardrobe_rate_limited",
    "wardrobe_session_cache_reads",
    "wardrobe_backend_errors",
}


@pytest.fixture
def app_overrides() -> dict:
    return dict(METRICS_ON)


@pytest.fixture
def scraper(client) -> Scraper:
    return Scraper(client.get)


def hook_modules(app: Flask) -> set[str]:
    hooks = [*app.before_request_funcs[None], *app.after_request_funcs[None]]
    return {getattr(getattr(hook, "func", hook), "__module__", "") for hook in hooks}


def test_off_by_default_the_route_is_an_unknown_path_and_nothing_is_hooked(app):
    off = create_app("testing", TEST_SECRETS)
    assert_problem(off.test_client().get("/metrics"), 404, "not_found")
    assert metrics.EXTENSION not in off.extensions
    assert "app.metrics" not in hook_modules(off)
    assert "app.metrics" in hook_modules(app)  # this module's apps have metrics on


def test_off_by_default_a_worker_never_loads_prometheus_client():
    program = (
        "import sys; from app import create_app; from tests.support.settings import TEST_SECRETS;"
        "app = create_app('testing', TEST_SECRETS); app.test_client().get('/metrics');"
        "print('prometheus_client' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


class TestScrapeToken:
    def test_the_right_token_gets_the_text_format(self, client):
        response = client.get("/metrics", headers=bearer(SCRAPE_TOKEN))
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        assert response.headers["Cache-Control"] == "no-store"
        assert FAMILIES <= family_names(response.get_data(as_text=True))

    def test_no_token_is_401_token_missing(self, client):
        response = client.get("/metrics")
        assert_problem(response, 401, "token_missing")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "header",
        [
            f"Bearer {SCRAPE_TOKEN}x",
            f"Bearer {SCRAPE_TOKEN[:-1]}",
            f"Basic {SCRAPE_TOKEN}",
            "Bearer",
        ],
    )
    def test_a_wrong_token_is_401_token_invalid(self, client, header):
        assert_problem(
            client.get("/metrics", headers={"Authorization": header}), 401, "token_invalid"
        )

    def test_without_metrics_token_no_header_is_needed(self):
        app = create_app("testing", {**TEST_SECRETS, "METRICS_ENABLED": True})
        assert app.test_client().get("/metrics").status_code == 200


def test_the_scrape_sends_no_sql_statement(app, client, user_headers):
    client.get("/auth/me", headers=user_headers)
    with sql_statements(app) as statements:
        assert client.get("/metrics", headers=bearer(SCRAPE_TOKEN)).status_code == 200
    assert statements == []


def test_the_scrape_answers_with_the_database_and_redis_both_dead():
    """It asks neither: a scrape that touched one would be a 503 here."""
    closed = f"127.0.0.1:{backends.CLOSED_PORT}"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@{closed}/gone",
            "REDIS_URL": f"redis://{closed}/0",
            **TEST_SECRETS,
            **METRICS_ON,
        },
    )
    assert app.test_client().get("/metrics", headers=bearer(SCRAPE_TOKEN)).status_code == 200


class TestRequests:
    def test_counted_by_route_rule_never_the_raw_path(self, client, scraper, user_headers):
        series = {"method": "GET", "route": "/clothes/{item_id}", "status": "404"}
        before = scraper.value("wardrobe_http_requests_total", **series)
        for item_id in (5, 6, 7):
            client.get(f"/clothes/{item_id}", headers=user_headers)
        assert scraper.value("wardrobe_http_requests_total", **series) == before + 3
        assert "/clothes/5" not in client.get("/metrics", headers=bearer(SCRAPE_TOKEN)).text

    def test_unknown_paths_and_methods_fold_into_bounded_labels(self, client, scraper):
        for path in ("/no/such/path", "/another/one", "/wp-admin.php"):
            client.get(path)
        client.open("/clothes", method="BREW")
        samples = scraper.samples()
        unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
        assert samples[("wardrobe_http_requests_total", frozenset(unmatched.items()))] == 3
        other = {"method": "other", "route": "unmatched", "status": "405"}
        assert samples[("wardrobe_http_requests_total", frozenset(other.items()))] == 1

    def test_every_request_is_timed_in_the_histogram(self, client, scraper):
        series = {"method": "GET", "route": "/healthz"}
        before = scraper.value("wardrobe_http_request_duration_seconds_count", **series)
        for _ in range(4):
            client.get("/healthz")
        samples = scraper.samples()
        count = ("wardrobe_http_request_duration_seconds_count", frozenset(series.items()))
        assert samples[count] == before + 4
        largest = {**series, "le": str(LATENCY_BUCKETS[-1])}
        assert (
            samples[("wardrobe_http_request_duration_seconds_bucket", frozenset(largest.items()))]
            >= 4
        )


class TestLogins:
    def test_each_outcome_is_counted(self, client, scraper, user, make_user):
        inactive = make_user(is_active=False)
        attempts = [
            ({"email": user.email, "password": PASSWORD}, "success"),
            ({"email": user.email, "password": "not-the-password"}, "wrong_password"),
            ({"email": "nobody@example.com", "password": PASSWORD}, "unknown_email"),
            ({"email": inactive.email, "password": PASSWORD}, "inactive"),
        ]
        for body, outcome in attempts:
            before = scraper.value("wardrobe_logins_total", outcome=outcome)
            client.post("/auth/login", json=body)
            assert scraper.value("wardrobe_logins_total", outcome=outcome) == before + 1, outcome

    def test_a_login_with_a_pin_counts_mfa_required_then_success(self, client, scraper, user):
        from tests.support.mfa import enrolled_user, first_step, pin, second_step

        enrolled = enrolled_user(client, user)
        required = scraper.value("wardrobe_logins_total", outcome="mfa_required")
        mfa_token = first_step(client, user.email)
        assert scraper.value("wardrobe_logins_total", outcome="mfa_required") == required + 1
        wrong = scraper.value("wardrobe_logins_total", outcome="mfa_invalid")
        assert second_step(client, mfa_token, code="000000").status_code == 401
        assert scraper.value("wardrobe_logins_total", outcome="mfa_invalid") == wrong + 1
        success = scraper.value("wardrobe_logins_total", outcome="success")
        assert second_step(client, mfa_token, code=pin(enrolled.secret)).status_code == 200
        assert scraper.value("wardrobe_logins_total", outcome="success") == success + 1


class TestTokenRefusals:
    @pytest.mark.parametrize(
        ("headers", "code"),
        [({}, "token_missing"), (bearer("garbage"), "token_invalid")],
    )
    def test_counted_by_code(self, client, scraper, headers, code):
        before = scraper.value("wardrobe_token_refusals_total", code=code)
        assert_problem(client.get("/auth/me", headers=headers), 401, code)
        assert scraper.value("wardrobe_token_refusals_total", code=code) == before + 1

    def test_a_reused_refresh_token_counts_a_refusal_and_a_revocation(
        self, client, scraper, tokens
    ):
        refresh = bearer(tokens["refresh_token"])
        assert client.post("/auth/refresh", headers=refresh).status_code == 200
        refusals = scraper.value("wardrobe_token_refusals_total", code="refresh_reused")
        ended = scraper.value("wardrobe_sessions_revoked_total", reason="refresh_reused")
        assert_problem(client.post("/auth/refresh", headers=refresh), 401, "refresh_reused")
        assert scraper.value("wardrobe_token_refusals_total", code="refresh_reused") == refusals + 1
        assert (
            scraper.value("wardrobe_sessions_revoked_total", reason="refresh_reused") == ended + 1
        )


class TestRevocations:
    def test_a_logout_ends_one_session_and_its_token_is_then_refused(self, client, scraper, tokens):
        ended = scraper.value("wardrobe_sessions_revoked_total", reason="logout")
        revoked = scraper.value("wardrobe_token_refusals_total", code="token_revoked")
        access = bearer(tokens["access_token"])
        assert client.post("/auth/logout", headers=access).status_code == 204
        assert_problem(client.get("/auth/me", headers=access), 401, "token_revoked")
        assert scraper.value("wardrobe_sessions_revoked_total", reason="logout") == ended + 1
        assert scraper.value("wardrobe_token_refusals_total", code="token_revoked") == revoked + 1

    def test_logout_all_counts_each_session_it_ended_once(self, client, scraper, user, login):
        sessions = [login(user) for _ in range(3)]
        before = scraper.value("wardrobe_sessions_revoked_total", reason="logout_all")
        headers = bearer(sessions[0]["access_token"])
        assert client.post("/auth/logout-all", headers=headers).status_code == 204
        assert scraper.value("wardrobe_sessions_revoked_total", reason="logout_all") == before + 3
        # Ending them again (a retry) matches the recently ended sessions, counted already.
        again = bearer(login(user)["access_token"])
        assert client.post("/auth/logout-all", headers=again).status_code == 204
        assert scraper.value("wardrobe_sessions_revoked_total", reason="logout_all") == before + 4


class TestRateLimits:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {**METRICS_ON, "LOGIN_RATE_LIMIT": "2 per minute"}

    def test_a_429_by_address_on_login_is_a_throttled_login(self, client, scraper):
        limited = scraper.value("wardrobe_rate_limited_total", scope="address")
        throttled = scraper.value("wardrobe_logins_total", outcome="throttled")
        body = {"email": "someone@example.com", "password": PASSWORD}
        answers = [client.post("/auth/login", json=body).status_code for _ in range(3)]
        assert answers == [401, 401, 429]
        assert scraper.value("wardrobe_rate_limited_total", scope="address") == limited + 1
        assert scraper.value("wardrobe_logins_total", outcome="throttled") == throttled + 1


class TestUserRateLimit:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {**METRICS_ON, "PASSWORD_CHANGE_RATE_LIMIT": "1 per minute"}

    def test_a_429_of_the_callers_own_budget_is_by_user(self, client, scraper, user_headers):
        body = {"current_password": "not-the-password", "new_password": "another passphrase"}
        limited = {
            scope: scraper.value("wardrobe_rate_limited_total", scope=scope)
            for scope in ("user", "address")
        }
        first = client.put("/auth/password", json=body, headers=user_headers)
        assert first.status_code == 403
        # From another address: that address's budget is whole, the user's is spent.
        other = client.put(
            "/auth/password",
            json=body,
            headers=user_headers,
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
        )
        assert_problem(other, 429, "rate_limited")
        assert scraper.value("wardrobe_rate_limited_total", scope="user") == limited["user"] + 1
        assert scraper.value("wardrobe_rate_limited_total", scope="address") == limited["address"]
        assert scraper.value("wardrobe_logins_total", outcome="throttled") == 0


class TestAccountRateLimit:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {**METRICS_ON, "LOGIN_ACCOUNT_RATE_LIMIT": "2 per minute"}

    def test_a_429_by_account_is_a_throttled_login_too(self, client, scraper, user):
        limited = scraper.value("wardrobe_rate_limited_total", scope="account")
        body = {"email": user.email, "password": "not-the-password"}
        answers = [client.post("/auth/login", json=body).status_code for _ in range(3)]
        assert answers == [401, 401, 429]
        assert scraper.value("wardrobe_rate_limited_total", scope="account") == limited + 1
        assert scraper.value("wardrobe_logins_total", outcome="throttled") >= 1


class TestSessionCache:
    @pytest.fixture
    def app_overrides(self, private_redis) -> dict:
        return {**METRICS_ON, "REDIS_URL": private_redis.url, "REDIS_KEY_PREFIX": "metrics:"}

    def test_a_first_check_misses_the_next_hits_a_dead_redis_is_an_error(
        self, client, scraper, tokens, private_redis
    ):
        def reads(result: str) -> float:
            return scraper.value("wardrobe_session_cache_reads_total", result=result)

        access = bearer(tokens["access_token"])
        miss, hit, error = reads("miss"), reads("hit"), reads("error")
        assert client.get("/auth/me", headers=access).status_code == 200
        assert (reads("miss"), reads("hit")) == (miss + 1, hit)
        assert client.get("/auth/me", headers=access).status_code == 200
        assert (reads("miss"), reads("hit")) == (miss + 1, hit + 1)
        private_redis.stop()
        assert client.get("/auth/me", headers=access).status_code == 200  # from the database
        assert reads("error") == error + 1


class TestBackendErrors:
    @pytest.fixture
    def down_app(self) -> Iterator[Flask]:
        closed = f"127.0.0.1:{backends.CLOSED_PORT}"
        settings = {
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@{closed}/gone",
            **TEST_SECRETS,
            **METRICS_ON,
        }
        app = create_app("testing", settings)
        yield app
        with app.app_context():
            db.engine.dispose()

    def test_a_503_of_a_dead_database_is_counted(self, down_app):
        client = down_app.test_client()
        scraper = Scraper(client.get)
        token = forged_access_token(down_app)
        before = scraper.value("wardrobe_backend_errors_total", backend="database")
        assert_problem(client.get("/auth/me", headers=bearer(token)), 503, "service_unavailable")
        assert scraper.value("wardrobe_backend_errors_total", backend="database") == before + 1

    def test_a_503_of_a_dead_redis_is_counted(self, tmp_path):
        settings = {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-redis.db'}",
            "REDIS_URL": f"redis://127.0.0.1:{backends.CLOSED_PORT}/0",
            **TEST_SECRETS,
            **METRICS_ON,
        }
        app = create_app("testing", settings)
        with app.app_context():
            db.create_all()
        client = app.test_client()
        scraper = Scraper(client.get)
        before = scraper.value("wardrobe_backend_errors_total", backend="redis")
        body = {"email": "a@example.com", "password": "whatever123"}
        assert_problem(client.post("/auth/login", json=body), 503, "service_unavailable")
        assert scraper.value("wardrobe_backend_errors_total", backend="redis") == before + 1
        with app.app_context():
            db.engine.dispose()


def test_the_login_routes_named_for_throttling_exist(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert metrics.LOGIN_ROUTES <= rules
