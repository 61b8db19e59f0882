"""Rate limits of the routes that guess at a secret: which setting, and whose budget.

Routes declare them with flask-limiter, reading the setting per request (so a test app can
tighten it): `@limiter.limit(password_check_limit, key_func=caller_key)` is one budget per
user on any address, the same without `key_func` one per client address. POST /auth/login,
POST /auth/token and POST /auth/login/mfa spend ONE budget per address (`LOGIN_SCOPE`): the
token endpoint and a login's second step are the same login, not more guesses. The budgets
per account that a decorator cannot count live beside what they guard
(app/auth/throttle.py, pin_throttle.py).
"""

from __future__ import annotations

from flask import current_app

from app.security.authentication import current_principal

LOGIN_SCOPE = "login"


def login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def register_limit() -> str:
    return str(current_app.config["REGISTER_RATE_LIMIT"])


def password_check_limit() -> str:
    """Every route that checks the current password or a pin: as many tries as a change."""
    return str(current_app.config["PASSWORD_CHANGE_RATE_LIMIT"])


def password_reset_limit() -> str:
    return str(current_app.config["PASSWORD_RESET_RATE_LIMIT"])


def caller_key() -> str:
    """The rate-limit key of the authenticated caller: one budget per user, on any address."""
    return f"user:{current_principal().user_id}"
