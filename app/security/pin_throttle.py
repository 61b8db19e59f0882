"""Per-account throttling of one-time pins: wrong pins for one user share one budget.

POST /auth/login/mfa is limited per address like login (LOGIN_RATE_LIMIT, one shared
budget), and each mfa_token dies after five wrong pins; but whoever has the password can get
new tokens from many addresses. So every wrong pin also counts against the account, in the
rate limiter's storage (Redis when REDIS_URL is set: one count for every worker and host),
with LOGIN_ACCOUNT_RATE_LIMIT as the budget: once it is spent, the second step answers 429
for that account until the window ends. A reset link or a password that must be followed
by a pin (app/accounts/second_factor.py) spends the same budget, so no door guesses pins
faster than the login's second step.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import RateLimitItem, parse

from app.errors import RateLimited
from app.extensions import limiter

SCOPE = "mfa-account"


def check_account(user_id: int) -> None:
    """Raises RateLimited: the account's budget of wrong pins is spent."""
    item = _limit()
    if limiter.limiter.test(item, SCOPE, str(user_id)):
        return
    reset_at = limiter.limiter.get_window_stats(item, SCOPE, str(user_id)).reset_time
    retry_after = min(item.get_expiry(), max(1, math.ceil(reset_at - time.time())))
    raise RateLimited(
        "Too many wrong one-time pins for this account; retry later.", retry_after=retry_after
    )


def count_failure(user_id: int) -> None:
    limiter.limiter.hit(_limit(), SCOPE, str(user_id))


def _limit() -> RateLimitItem:
    return parse(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])
