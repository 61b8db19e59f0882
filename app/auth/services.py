"""What /auth does, as plain functions: no request, no responses, only domain errors.

Writes, and the reads that feed them, go through db.session; GET /auth/me's read is in
queries.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.auth import throttle
from app.errors import (
    EmailTaken,
    EmailUnverified,
    EmailUnverifiedGrant,
    GrantNeedsMfa,
    InvalidCredentials,
    InvalidGrant,
    MfaRequired,
    NotFound,
    WrongPassword,
)
from app.extensions import db
from app.identity import links
from app.identity.mailing import queue_verification
from app.identity.models import User
from app.identity.passwords import check_password_policy, passwords
from app.mail.outbox import mail_enabled
from app.security import mfa_challenges, second_factor, sessions
from app.security.authentication import Principal
from app.security.tokens import TokenPair, issue_token_pair


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a login or refresh came from, as shown in GET /auth/sessions."""

    user_agent: str
    ip: str


def register_user(*, email: str, password: str, name: str = "") -> User:
    """Create an ordinary user. The role is always "user": no request can choose it.

    Raises ValidationFailed: the password breaks the policy.
    Raises EmailTaken: the email is registered already (also when two requests race:
    the database's unique index decides).
    """
    check_password_policy(password, email=email, field="password")
    user = User(email=email, name=name, role="user", password_hash=passwords().hash(password))
    db.session.add(user)
    try:
        if mail_enabled():
            db.session.flush()  # the user's id, for the link; a taken email fails here
            queue_verification(user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EmailTaken("An account with this email exists already; log in instead.") from None
    return user


def log_in(*, email: str, password: str, client: ClientInfo) -> TokenPair:
    """Check the credentials and open a session.

    Exactly one password verification happens whether the email is unknown, the password
    wrong or the account deactivated, and all three raise the same InvalidCredentials, so
    neither the body nor the timing tells them apart. Each of the three also counts against
    the email's failure budget (throttle.py).

    Raises RateLimited: the email's failure budget is spent (no password is verified then).
    Raises MfaRequired: right password, but one-time pins are on: no session yet, only an
    mfa_token for the second step (POST /auth/login/mfa), which verifies no password again.
    """
    throttle.check_account(email, client.ip)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        passwords().verify_dummy(password)
        throttle.count_failure(email)
        audit.record("login_failed", reason="unknown_email", ip=client.ip)
        raise InvalidCredentials()
    verification = passwords().check(user.password_hash, password)
    if not verification.matches or not user.is_active:
        throttle.count_failure(email)
        reason = "inactive" if user.is_active is False else "wrong_password"
        audit.record("login_failed", reason=reason, user_id=user.id, ip=client.ip)
        raise InvalidCredentials()
    if current_app.config["REQUIRE_VERIFIED_EMAIL"] and not user.email_verified:
        audit.record("login_failed", reason="email_unverified", user_id=user.id, ip=client.ip)
        raise EmailUnverified("Open the link we mailed you, or ask for a new one by logging in.")
    if verification.rehash:
        user.password_hash = passwords().hash(password)
    if second_factor.has_totp(user):
        mfa_challenges.require_second_step(user, ip=client.ip)  # commits the rehash too
    session = sessions.start_session(
        user,
        lifetime_seconds=current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
        user_agent=client.user_agent,
        ip=client.ip,
    )
    db.session.commit()
    audit.record("login_succeeded", user_id=user.id, session_id=session.id, ip=client.ip)
    return issue_token_pair(user, session)


def grant_password(*, username: str, password: str, client: ClientInfo) -> TokenPair:
    """The OAuth 2 password grant: log_in under RFC 6749's names and error shape.

    Raises InvalidGrant: where log_in raises InvalidCredentials (the same one verification,
    throttle count and audit record happen first).
    Raises GrantNeedsMfa: one-time pins are on; this grant has no second step.
    Raises RateLimited: as log_in.
    """
    try:
        pair = log_in(email=username, password=password, client=client)
    except InvalidCredentials:
        raise InvalidGrant() from None
    except EmailUnverified as error:
        raise EmailUnverifiedGrant(error.detail) from None
    except MfaRequired:
        raise GrantNeedsMfa(
            "This account uses one-time pins: log in with POST /auth/login instead."
        ) from None
    return replace(pair, token_type="bearer")  # noqa: S106 - the scheme name, not a secret


def refresh_tokens(principal: Principal, *, client: ClientInfo) -> TokenPair:
    """Rotate the session's refresh token and issue a new pair from the current user row.

    Raises RefreshReused: the token was rotated out already (a replay, or a concurrent
    refresh won), so the session is now ended (see sessions.py).
    """
    session = sessions.rotate_refresh_token(
        principal.session_id,
        user_id=principal.user_id,
        presented_jti=principal.claims.jti,
        user_agent=client.user_agent,
        ip=client.ip,
    )
    return issue_token_pair(principal.load_user(), session)


def log_out(principal: Principal) -> None:
    with audit.recorded("logout", user_id=principal.user_id, session_id=principal.session_id):
        sessions.revoke_session(principal.session_id, reason="logout")


def log_out_everywhere(principal: Principal) -> None:
    with audit.recorded("logout_all", user_id=principal.user_id, session_id=principal.session_id):
        sessions.revoke_user_sessions(principal.user_id, reason="logout_all")


def list_sessions(principal: Principal) -> list[dict[str, Any]]:
    return [
        {
            "id": session.id,
            "created_at": session.created_at,
            "last_used_at": session.last_used_at,
            "user_agent": session.user_agent,
            "ip": session.ip,
            "amr": session.amr.split(),
            "current": session.id == principal.session_id,
        }
        for session in sessions.live_sessions(principal.user_id)
    ]


def end_session(principal: Principal, session_id: int) -> None:
    """End one of the caller's live sessions (the calling one included).

    Raises NotFound: no such live session of the caller's; another user's looks the same.
    """
    session = sessions.find_live_session(session_id, user_id=principal.user_id)
    if session is None:
        raise NotFound("No live session of yours has this id.")
    with audit.recorded("session_ended", user_id=principal.user_id, session_id=session.id):
        sessions.revoke_session(session.id, reason="ended_by_user")


def change_password(principal: Principal, *, current_password: str, new_password: str) -> None:
    """Set a new password and end every other session; the calling one stays valid.

    Raises WrongPassword: `current_password` does not match.
    Raises ValidationFailed: the new password breaks the policy.
    """
    user = principal.load_user()
    if not passwords().verify(user.password_hash, current_password):
        raise WrongPassword("The current password is wrong.")
    check_password_policy(new_password, email=user.email, field="new_password")
    user.password_hash = passwords().hash(new_password)
    # A reset link mailed earlier dies with the old password.
    links.void(user.id, links.PASSWORD_RESET)
    # One commit: the new hash and the revocations land together or not at all.
    with audit.recorded("password_changed", user_id=user.id, session_id=principal.session_id):
        sessions.revoke_user_sessions(
            user.id, reason="password_changed", keep_session_id=principal.session_id
        )
