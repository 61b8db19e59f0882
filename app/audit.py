"""Audit events: who did what to which account or session, for security monitoring.

Called by services and the security layer (never by routes), so the CLI and the API leave the
same trail. An event carries ids, reasons and the client address — never an email typed at a
failed login (people paste passwords there), a password, a hash or a token.

Every event name is listed once, in `AuditEvent`: a misspelt name is a type error, and the
list is what an operator can alert on.

Inside a request that presented a valid token, every event also names the caller as
`actor_id`: for role_changed and user_deactivated, the admin who did it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, get_args

from flask import g, has_app_context

from app import metrics
from app.errors import SavedNotYetEverywhere

log = logging.getLogger("wardrobe.audit")

AuditEvent = Literal[
    # accounts and sessions, through the API
    "login_succeeded",
    "login_failed",
    "refresh_reused",
    "logout",
    "logout_all",
    "session_ended",
    "password_changed",
    # mailed links and self-service
    "verification_sent",
    "email_verified",
    "password_reset_requested",
    "password_reset",
    "email_change_requested",
    "email_changed",
    "profile_changed",
    "account_closed",
    # one-time pins (TOTP)
    "mfa_enrolment_started",
    "mfa_enabled",
    "mfa_disabled",
    "mfa_challenge_issued",
    "mfa_failed",
    "recovery_codes_issued",
    "mfa_reset",
    # user administration (the API, or the CLI with via="cli")
    "role_changed",
    "user_deactivated",
    "user_activated",
    # moderation: an admin deleted another user's outfit
    "outfit_moderated",
    # the CLI only (via="cli")
    "admin_created",
    "password_set",
    "sessions_pruned",
]
AUDIT_EVENTS: frozenset[str] = frozenset(get_args(AuditEvent))


def record(event: AuditEvent, **fields: str | int | None) -> None:
    """Log one audit event; `fields` become keys of the JSON line (user_id, session_id...)."""
    principal = g.get("principal") if has_app_context() else None
    if principal is not None:
        fields.setdefault("actor_id", principal.user_id)
    log.info("audit %s", event, extra={"audit": {"event": event, **fields}})
    metrics.audited(event, fields)


@contextmanager
def recorded(event: AuditEvent, **fields: str | int | None) -> Iterator[None]:
    """Record `event` once the block's change is committed.

    Also when only the session cache failed to follow (SavedNotYetEverywhere, a 503): the
    change stands in the database, so the trail must show it. Any other error means the
    change did not happen, and nothing is recorded.
    """
    try:
        yield
    except SavedNotYetEverywhere:
        record(event, **fields)
        raise
    record(event, **fields)
