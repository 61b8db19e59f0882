"""The second factor as the rest of the app sees it: is it on, check it, turn it off.

Any feature that must ask for proof beyond the password (disabling one-time pins, a new
set of recovery codes, and anything else sensitive) calls `verify_second_factor`. It
lives on this floor so features need not import each other.
"""

from __future__ import annotations

from typing import Literal

from app.errors import MfaInvalid, MfaNotEnabled, ValidationFailed
from app.identity.models import User
from app.security import recovery_codes, totp

Method = Literal["totp", "recovery_code"]
# What POST /auth/login's mfa_required offers, in the order a client should ask for them.
METHODS: list[str] = ["totp", "recovery_code"]


def has_totp(user: User) -> bool:
    """One-time pins are on (enrolled and confirmed)."""
    return user.totp_enabled


def verify_second_factor(
    user: User, *, code: str | None = None, recovery_code: str | None = None
) -> Method:
    """Check a one-time pin or a recovery code of `user`, and use it up; which one it was.

    Exactly one of `code` and `recovery_code`. A pin is accepted once (its time step is
    recorded); a recovery code is deleted. Both changes are in the caller's transaction,
    so the caller commits (or rolls back when what follows fails).
    Raises MfaNotEnabled: the user has no one-time pins on.
    Raises ValidationFailed: neither or both were given.
    Raises MfaInvalid: the pin or recovery code is wrong, or was used already.
    """
    if not has_totp(user):
        raise MfaNotEnabled("One-time pins are not on for this account.")
    if (code is None) == (recovery_code is None):
        message = ["Send exactly one of `code` and `recovery_code`."]
        raise ValidationFailed({"code": message, "recovery_code": message})
    if code is not None:
        if totp.accept_code(user, code):
            return "totp"
    elif recovery_code is not None and recovery_codes.use_code(user.id, recovery_code):
        return "recovery_code"
    raise MfaInvalid("The one-time pin or recovery code is wrong, or was used already.")


def turn_off(user: User) -> None:
    """Forget the user's secret, pending or confirmed, and their recovery codes (the caller
    commits, and ends the sessions it should)."""
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    recovery_codes.delete_codes(user.id)
