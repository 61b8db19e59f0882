"""What the one-time pin routes do, as plain functions: no request, only domain errors.

Enrolment is two steps: `start_enrolment` stores a new secret (encrypted) that does nothing
yet; `confirm_enrolment`, with a pin from it, turns pins on. The second step of a login is
`complete_login`. What other features need (is it on, check a pin) is one floor down, in
app/security/second_factor.py.
"""

from __future__ import annotations

from flask import current_app

from app import audit
from app.errors import (
    MfaAlreadyEnabled,
    MfaInvalid,
    MfaNotEnabled,
    MfaNotPending,
    TokenInvalid,
    WrongPassword,
)
from app.extensions import db
from app.identity.models import User
from app.identity.passwords import passwords
from app.security import (
    mfa_challenges,
    mfa_tokens,
    recovery_codes,
    second_factor,
    sessions,
    totp,
)
from app.security import pin_throttle as throttle
from app.security.authentication import Principal
from app.security.tokens import TokenPair, issue_token_pair


def start_enrolment(principal: Principal, *, current_password: str) -> dict[str, str]:
    """A new secret for the caller, replacing any pending one; nothing is on until confirmed.

    Raises MfaAlreadyEnabled: pins are on already (turn them off first).
    Raises WrongPassword: `current_password` does not match.
    """
    user = principal.load_user()
    if second_factor.has_totp(user):
        raise MfaAlreadyEnabled("One-time pins are on already; turn them off first.")
    if not passwords().verify(user.password_hash, current_password):
        raise WrongPassword("The current password is wrong.")
    secret = totp.new_secret()
    user.totp_secret = totp.encrypt(secret, user.id)
    user.totp_last_step = None
    db.session.commit()
    audit.record("mfa_enrolment_started", user_id=user.id, session_id=principal.session_id)
    uri = totp.provisioning_uri(secret, user.email)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": totp.qr_svg(uri)}


def confirm_enrolment(principal: Principal, *, code: str) -> dict[str, list[str]]:
    """Turn pins on with a first pin; ten recovery codes; every other session ends.

    Raises MfaAlreadyEnabled: pins are on already. MfaNotPending: no enrolment was started.
    Raises MfaInvalid: the pin is wrong (or was used already).
    """
    user = principal.load_user()
    if second_factor.has_totp(user):
        raise MfaAlreadyEnabled("One-time pins are on already.")
    if user.totp_secret is None:
        raise MfaNotPending("Start with POST /auth/mfa/totp, then confirm with a pin.")
    if not totp.accept_code(user, code):
        raise MfaInvalid("The pin is wrong; check the authenticator's clock and try again.")
    user.totp_enabled = True
    codes = recovery_codes.replace_codes(user.id)
    # One commit: pins on, the codes and the revocations land together.
    with audit.recorded("mfa_enabled", user_id=user.id, session_id=principal.session_id):
        _end_other_sessions(principal, reason="mfa_enabled")
    return {"recovery_codes": codes}


def turn_off(
    principal: Principal,
    *,
    current_password: str,
    code: str | None = None,
    recovery_code: str | None = None,
) -> None:
    """Turn the caller's pins off, with the password and a pin or recovery code; every other
    session ends.

    Raises MfaNotEnabled, WrongPassword, MfaInvalid (second_factor.verify_second_factor).
    """
    user = _proven(principal, current_password, code=code, recovery_code=recovery_code)
    second_factor.turn_off(user)
    with audit.recorded("mfa_disabled", user_id=user.id, session_id=principal.session_id):
        _end_other_sessions(principal, reason="mfa_disabled")


def new_recovery_codes(
    principal: Principal,
    *,
    current_password: str,
    code: str | None = None,
    recovery_code: str | None = None,
) -> dict[str, list[str]]:
    """A new set of ten recovery codes; the old set is void. Raises as `turn_off`."""
    user = _proven(principal, current_password, code=code, recovery_code=recovery_code)
    codes = recovery_codes.replace_codes(user.id)
    db.session.commit()
    audit.record("recovery_codes_issued", user_id=user.id, session_id=principal.session_id)
    return {"recovery_codes": codes}


def complete_login(
    *, mfa_token: str, code: str | None, recovery_code: str | None, user_agent: str, ip: str
) -> TokenPair:
    """The second step of a login: the mfa_token and a pin (or recovery code) open a session
    with amr ["pwd", "otp"]. No password is verified here: step one did.

    Raises TokenInvalid: the mfa_token is forged, expired, used, or dead after five wrong
    pins, or its user was deactivated or turned pins off meanwhile.
    Raises MfaInvalid: a wrong pin (counted against the token and the account).
    Raises RateLimited: the account's budget of wrong pins is spent.
    """
    challenge, user = mfa_challenges.open_challenge(mfa_token)
    if not (user.is_active and second_factor.has_totp(user)):
        raise TokenInvalid(mfa_tokens.DEAD)
    throttle.check_account(user.id)
    try:
        method = second_factor.verify_second_factor(user, code=code, recovery_code=recovery_code)
    except MfaInvalid:
        db.session.rollback()
        mfa_challenges.count_failure(challenge)
        db.session.commit()
        throttle.count_failure(challenge.user_id)
        audit.record("mfa_failed", user_id=challenge.user_id, ip=ip)
        raise
    session = mfa_challenges.open_session(
        challenge,
        lifetime_seconds=current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
        user_agent=user_agent,
        ip=ip,
    )
    if session is None:
        db.session.rollback()  # the pin stays unused: this login did not happen
        raise TokenInvalid(mfa_tokens.DEAD)
    db.session.commit()
    audit.record(
        "login_succeeded", user_id=user.id, session_id=session.id, ip=ip, second_factor=method
    )
    return issue_token_pair(user, session)


def _proven(
    principal: Principal, current_password: str, *, code: str | None, recovery_code: str | None
) -> User:
    """The caller's user, once the password and a second factor are checked (in that order;
    a pin is only used up when the password was right)."""
    user = principal.load_user()
    if not second_factor.has_totp(user):
        raise MfaNotEnabled("One-time pins are not on for this account.")
    if not passwords().verify(user.password_hash, current_password):
        raise WrongPassword("The current password is wrong.")
    second_factor.verify_second_factor(user, code=code, recovery_code=recovery_code)
    return user


def _end_other_sessions(principal: Principal, *, reason: str) -> None:
    """Commit, ending every session of the caller but this one."""
    sessions.revoke_user_sessions(
        principal.user_id, reason=reason, keep_session_id=principal.session_id
    )
