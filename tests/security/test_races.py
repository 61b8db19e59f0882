"""The race two refreshes of one token run, settled by the database: only one may swap.

The same race over HTTP, with real threads, is in tests/security/test_concurrency.py.
"""

from __future__ import annotations

import pytest

from app.errors import RefreshReused
from app.extensions import db
from app.identity.models import AuthSession
from app.security import sessions
from tests.support.tokens import claims_of


def test_compare_and_set_rotation(app, make_user, login):
    """Two refreshes that both passed authentication: the database lets only one swap."""
    tokens = login(make_user())
    claims = claims_of(tokens["refresh_token"])
    with app.app_context():
        sid, uid = claims["sid"], int(claims["sub"])
        rotation = {"user_id": uid, "presented_jti": claims["jti"], "user_agent": "", "ip": ""}
        sessions.rotate_refresh_token(sid, **rotation)
        with pytest.raises(RefreshReused):
            sessions.rotate_refresh_token(sid, **rotation)
        stored = db.session.get(AuthSession, claims["sid"])
        assert stored.revoked_at is not None
        assert stored.revoked_reason == "refresh_reused"
