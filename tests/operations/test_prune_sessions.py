"""flask prune-sessions: ended and expired sessions go after DAYS days; live ones never do.

Real sessions from real logins, with their timestamps moved into the past by an UPDATE.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select, update

from app.database import utcnow
from app.extensions import db
from app.identity.models import AuthSession
from tests.support.http import assert_problem, bearer
from tests.support.tokens import claims_of

DAY = dt.timedelta(days=1)


def run_cli(app, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def session_id(tokens: dict) -> int:
    return int(claims_of(tokens["access_token"])["sid"])


def age(app, tokens: dict, **ago: dt.timedelta) -> int:
    """Move the session's `revoked_at` / `expires_at` this far into the past; its id."""
    sid = session_id(tokens)
    with app.app_context():
        values = {column: utcnow() - delta for column, delta in ago.items()}
        db.session.execute(update(AuthSession).where(AuthSession.id == sid).values(**values))
        db.session.commit()
    return sid


def remaining(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(AuthSession.id)))


@pytest.fixture
def aged(app, make_user, login) -> dict[str, int]:
    """One session of each kind, by name: which the default 30 days prunes and which not."""
    user = make_user()
    live = login(user)
    with app.app_context():  # a live session started long ago, that never expires soon
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id(live))
            .values(created_at=utcnow() - 400 * DAY, last_used_at=utcnow() - 400 * DAY)
        )
        db.session.commit()
    return {
        "live": session_id(live),
        "revoked_31_days_ago": age(app, login(user), revoked_at=31 * DAY),
        "revoked_29_days_ago": age(app, login(user), revoked_at=29 * DAY),
        "expired_31_days_ago": age(app, login(user), expires_at=31 * DAY),
        "expired_29_days_ago": age(app, login(user), expires_at=29 * DAY),
        "expired_and_revoked_long_ago": age(
            app, login(user), expires_at=90 * DAY, revoked_at=100 * DAY
        ),
    }


def test_default_keeps_30_days_and_every_live_session(app, aged, caplog):
    caplog.set_level(logging.INFO, logger="wardrobe.audit")
    result = run_cli(app, "prune-sessions")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Deleted 3 sessions that ended or expired more than 30 days ago.\n"
        "Deleted 0 expired second-step login attempts.\n"
    )
    kept = {"live", "revoked_29_days_ago", "expired_29_days_ago"}
    assert remaining(app) == {aged[name] for name in kept}
    [event] = [r.audit for r in caplog.records if getattr(r, "audit", None)]
    assert (event["event"], event["count"], event["older_than_days"]) == ("sessions_pruned", 3, 30)

    again = run_cli(app, "prune-sessions")
    assert again.exit_code == 0 and again.output.startswith("Deleted 0 sessions")


def test_older_than_and_the_setting_choose_the_cutoff(app, aged):
    app.config["SESSION_RETENTION_DAYS"] = 95
    assert run_cli(app, "prune-sessions").output.startswith("Deleted 1 sessions")
    assert aged["expired_and_revoked_long_ago"] not in remaining(app)
    result = run_cli(app, "prune-sessions", "--older-than", "1")
    assert result.output.startswith("Deleted 4 sessions"), result.output
    assert remaining(app) == {aged["live"]}


@pytest.mark.parametrize("days", ["0", "-1", "36501", "x", ""])
def test_bad_days_are_a_usage_error(app, aged, days):
    result = run_cli(app, "prune-sessions", "--older-than", days)
    assert result.exit_code == 2 and "--older-than" in result.output, result.output
    assert len(remaining(app)) == len(aged)


def test_a_bad_retention_setting_is_a_one_line_error(app, aged):
    app.config["SESSION_RETENTION_DAYS"] = 0
    result = run_cli(app, "prune-sessions")
    assert result.exit_code == 1
    assert result.output == "Error: SESSION_RETENTION_DAYS must be 1 to 36500, got 0\n"
    assert len(remaining(app)) == len(aged)


def test_the_cutoff_is_at_least_one_access_token_lifetime(app, make_user, login):
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 3 * 86_400
    user = make_user()
    sid = age(app, login(user), revoked_at=2 * DAY)  # its access token has a day to go
    assert run_cli(app, "prune-sessions", "--older-than", "1").output.startswith("Deleted 0")
    assert remaining(app) == {sid}


def test_tokens_of_a_pruned_session_stay_refused_and_its_id_is_never_reused(
    app, client, make_user, login
):
    user = make_user()
    held = [login(user), login(user)]
    logout = client.post("/auth/logout-all", headers=bearer(held[0]["access_token"]))
    assert logout.status_code == 204
    pruned = {age(app, tokens, revoked_at=31 * DAY) for tokens in held}
    assert run_cli(app, "prune-sessions").output.startswith("Deleted 2 sessions")
    assert remaining(app) == set()
    for tokens in held:
        me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 401
        # Without the row: token_invalid; a revocation Redis still remembers: token_revoked.
        assert me.get_json()["code"] in {"token_invalid", "token_revoked"}
        refresh = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
        assert_problem(refresh, 401, "token_invalid")  # a refresh always reads the database
    fresh = login(user)
    assert session_id(fresh) > max(pruned)
    assert client.get("/auth/me", headers=bearer(fresh["access_token"])).status_code == 200
