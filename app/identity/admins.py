"""The last-admin rule: some active admin must remain (demotion, deactivation, closing)."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import LastAdmin
from app.extensions import db
from app.identity.models import User


def is_active_admin(user: User) -> bool:
    return user.role == "admin" and user.is_active


def lock_active_admins() -> None:
    """Lock every active admin row, in id order, before a change that may remove one.

    On PostgreSQL, two admins demoting each other at once used to lock their own row first
    and then the other's, and deadlocked (503). Taking all the locks in one order makes the
    second wait for the first, then see its commit and answer 409 last_admin. SQLite
    ignores FOR UPDATE; its single writer needs no more.
    """
    db.session.execute(
        select(User.id)
        .where(User.role == "admin", User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()


def another_active_admin(user_id: int) -> bool:
    """Whether an active admin other than `user_id` exists (rows locked by the caller)."""
    statement = select(User.id).where(
        User.role == "admin", User.is_active.is_(True), User.id != user_id
    )
    return db.session.execute(statement).first() is not None


def check_another_admin_remains(user: User) -> None:
    """Call after flushing a change that stops `user` being an active admin (rows locked
    first with `lock_active_admins`, then the user refreshed).

    Raises LastAdmin: no other active admin; the transaction is rolled back.
    """
    # Write, then look: on SQLite the UPDATE takes the write lock, so a concurrent
    # demotion has either committed before the check below sees it, or waits.
    db.session.flush()
    if not another_active_admin(user.id):
        db.session.rollback()
        raise LastAdmin("Promote another user to admin first.")
