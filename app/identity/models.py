"""The User and its login sessions.

An AuthSession is one login. It holds the id (`jti`) of the only refresh token that may
still be used, the session's absolute end, and when it was revoked. Every token carries
its session id (`sid`), so checking a token is one lookup of session and user together.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import Model

ROLES = ("user", "admin")


class User(Model):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lowercase, so a plain unique index is case-insensitive uniqueness,
        # enforced by the database itself (the only real defence against a registration race).
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("role IN ('user', 'admin')", name="role_known"),
        # Sort orders of GET /users (email sorts on its unique index).
        Index("ix_users_name_id", "name", "id"),
        Index("ix_users_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16), default="user", index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Set when a link mailed to `email` came back (POST /auth/verify-email).
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # One-time pins (TOTP, app/security/totp.py). The secret is encrypted (never the plain
    # base32); while `totp_enabled` is false a stored secret is an enrolment awaiting its
    # first code. `totp_last_step` is the last time step accepted: no code of it or older
    # is accepted again.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    totp_last_step: Mapped[int | None] = mapped_column()

    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AuthSession(Model):
    __tablename__ = "auth_sessions"
    # Never reuse a session id (SQLite otherwise hands out the largest deleted rowid again):
    # a token's `sid` must never come to name somebody else's session.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    refresh_jti: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    # How the login proved who it was (RFC 8176 `amr` values, space-separated): "pwd" or
    # "pwd otp". Tokens carry it as a list; refreshing keeps it.
    amr: Mapped[str] = mapped_column(String(32), default="pwd", server_default="pwd")
    # The `jti` of the mfa_token whose second step opened this session (NULL for a password
    # login). A unique index: one attempt opens at most one session, so the INSERT itself is
    # the token's single use (app/security/mfa_challenges.py).
    mfa_jti: Mapped[str | None] = mapped_column(String(36), unique=True, index=True)

    user: Mapped[User] = relationship(back_populates="sessions")

    def is_live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def __repr__(self) -> str:
        return f"<AuthSession {self.id} user={self.user_id}>"


class AccountLink(Model):
    """A link mailed to a user (app/identity/links.py): only its token's SHA-256 is kept."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL only for the inert stand-in a reset request for an unknown email writes (timing).
    user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the link was mailed to (for CHANGE_EMAIL: the new address).
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Model):
    """One unused recovery code of a user: only its SHA-256, deleted when it is used."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))


class MfaChallenge(Model):
    """The wrong pins of a second-step login attempt, named by its `mfa_token`'s `jti`.

    Written only on a wrong pin (`failures`); the successful step is recorded on the session
    it opens (AuthSession.mfa_jti). The token's own `exp` is its life, copied to `expires_at`
    for pruning (app/security/mfa_challenges.py).
    """

    __tablename__ = "mfa_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(default=0)
