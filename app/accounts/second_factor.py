"""The one place a mailed link or a password meets the second factor.

A reset link proves a mailbox, and closing an account proves a password; neither alone may
pass an account's second factor. Both services call `check_second_factor` before they change
anything. No account has a second factor yet, so it accepts every request; once accounts can
turn one on, it must raise MfaRequired (401 `mfa_required`) when the user has it on and
neither `code` nor `recovery_code` is right.
"""

from __future__ import annotations

from app.identity.models import User


def check_second_factor(
    user: User,
    *,
    code: str | None,
    recovery_code: str | None,
) -> None:
    """Raises MfaRequired: (once second factors exist) the user has one on and neither the
    `code` nor the `recovery_code` given is right."""
