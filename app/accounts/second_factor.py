"""The one place a mailed link or a password meets the second factor.

A reset link proves a mailbox, and closing an account proves a password; neither alone may
pass an account's second factor. Both services call `check_second_factor` before they change
anything: for a user with one-time pins on, the request must also carry a right pin or
recovery code. Wrong pins spend the account's budget (app/security/pin_throttle.py), the
same one the login's second step spends, so a stolen mailbox cannot guess pins here faster.
"""

from __future__ import annotations

from app.errors import MfaInvalid, MfaProofRequired
from app.identity.models import User
from app.security import pin_throttle
from app.security.second_factor import has_totp, verify_second_factor


def check_second_factor(
    user: User,
    *,
    code: str | None,
    recovery_code: str | None,
) -> None:
    """Use up `code` or `recovery_code` of a user with one-time pins on (the caller commits).

    Nothing is asked of a user without them.
    Raises MfaProofRequired: pins are on and neither `code` nor `recovery_code` was sent.
    Raises RateLimited: the account's budget of wrong pins is spent.
    Raises MfaInvalid: the pin or recovery code is wrong, or was used already.
    Raises ValidationFailed: both were sent.
    """
    if not has_totp(user):
        return
    if code is None and recovery_code is None:
        raise MfaProofRequired(
            "This account uses one-time pins: send `code` (or `recovery_code`) as well."
        )
    pin_throttle.check_account(user.id)
    try:
        verify_second_factor(user, code=code, recovery_code=recovery_code)
    except MfaInvalid:
        pin_throttle.count_failure(user.id)
        raise
