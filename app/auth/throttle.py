"""Per-account login throttling: failed logins for one email share one budget, from any address.

LOGIN_RATE_LIMIT counts per client address, so an attacker with many addresses could still
try many passwords against one account. Here every failed login (unknown email, wrong
password, deactivated account alike) counts against the email, in the rate limiter's storage
(Redis when REDIS_URL is set, so every worker and host sees one count). Once the budget
(LOGIN_ACCOUNT_RATE_LIMIT) is spent, logins for that email answer 429 until the window ends,
except from an address that has logged in to this account before: the owner is not locked
out from their usual places by an attacker spraying from elsewhere.

An unknown email is counted and refused exactly like a known one, so the 429 reveals nothing
about which emails exist. Counters are keyed on a digest of the email, never the email.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import bindparam, select

from app.errors import RateLimited
from app.extensions import db, limiter
from app.identity.models import AuthSession, User

SCOPE = "login-account"

# Has this address ever opened a session of this account? One indexed lookup, asked only once
# the account's budget is spent, so an ordinary login pays nothing for it.
ADDRESS_KNOWN = (
    select(AuthSession.id)
    .join(User, User.id == AuthSession.user_id)
    .where(User.email == bindparam("email"), AuthSession.ip == bindparam("ip"))
    .limit(1)
)


def check_account(email: str, ip: str) -> None:
    """Refuse a login for `email` whose failure budget is spent, unless `ip` is a known address.

    Raises RateLimited: over LOGIN_ACCOUNT_RATE_LIMIT and `ip` never logged in to `email`.
    Raises a Redis error (mapped to 503) when the limiter's storage does not answer.
    """
    item = _account_limit()
    key = _account_key(email)
    if limiter.limiter.test(item, SCOPE, key):
        return
    if ip and db.session.scalar(ADDRESS_KNOWN, {"email": email, "ip": ip}) is not None:
        return
    reset_at = limiter.limiter.get_window_stats(item, SCOPE, key).reset_time
    retry_after = min(item.get_expiry(), max(1, math.ceil(reset_at - time.time())))
    raise RateLimited(
        "Too many failed logins for this account; retry later or from a device that "
        "has logged in to it before.",
        retry_after=retry_after,
    )


def count_failure(email: str) -> None:
    """Spend one unit of `email`'s budget (called for every failed login, known email or not)."""
    limiter.limiter.hit(_account_limit(), SCOPE, _account_key(email))


def _account_limit() -> RateLimitItem:
    return parse(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def _account_key(email: str) -> str:
    """A digest, so Redis (and its dumps) never hold the email itself."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]
