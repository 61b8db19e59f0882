"""The second step of a login is single use through its session: auth_sessions.mfa_jti.

auth_sessions.mfa_jti holds the `jti` of the mfa_token whose second step opened the session
(NULL for password logins), under a unique index: the session's INSERT is the token's
single use, so a successful second step no longer writes mfa_challenges, which now counts
only wrong pins (its used_at goes). An attempt used before this upgrade has no session to
name it, so its row is kept as dead instead (failures = 5, the limit of wrong pins): it
answers as a used one did.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 21:10:00.000000

"""

import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# app/security/mfa_challenges.py, as of this revision
MAX_FAILURES = 5
TOKEN_LIFETIME_SECONDS = 300

challenges = sa.table(
    "mfa_challenges",
    sa.column("jti", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("expires_at", sa.DateTime(timezone=True)),
    sa.column("failures", sa.Integer),
    sa.column("used_at", sa.DateTime(timezone=True)),
)
sessions = sa.table(
    "auth_sessions",
    sa.column("user_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("mfa_jti", sa.String),
)


def upgrade():
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_jti", sa.String(length=36), nullable=True))
        # An index, not a constraint: SQLite adds one without rebuilding the table (a
        # rebuild would drop AUTOINCREMENT, and with it 0002's never-reused session ids).
        batch_op.create_index(batch_op.f("ix_auth_sessions_mfa_jti"), ["mfa_jti"], unique=True)

    op.execute(
        challenges.update()
        .where(challenges.c.used_at.is_not(None), challenges.c.failures < MAX_FAILURES)
        .values(failures=MAX_FAILURES)
    )
    with op.batch_alter_table("mfa_challenges", schema=None) as batch_op:
        batch_op.drop_column("used_at")


def downgrade():
    with op.batch_alter_table("mfa_challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_at", sa.DateTime(timezone=True), nullable=True))

    # Attempts that opened a session are used ones again; rows for them are written where
    # none existed (a successful step wrote none), living until the session's start plus
    # the token's five minutes.
    bind = op.get_bind()
    known = set(bind.execute(sa.select(challenges.c.jti)).scalars())
    used = bind.execute(
        sa.select(sessions.c.mfa_jti, sessions.c.user_id, sessions.c.created_at).where(
            sessions.c.mfa_jti.is_not(None)
        )
    ).all()
    for jti, user_id, created_at in used:
        if jti in known:
            op.execute(
                challenges.update().where(challenges.c.jti == jti).values(used_at=created_at)
            )
        else:
            op.execute(
                challenges.insert().values(
                    jti=jti,
                    user_id=user_id,
                    failures=0,
                    used_at=created_at,
                    expires_at=created_at + dt.timedelta(seconds=TOKEN_LIFETIME_SECONDS),
                )
            )

    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_mfa_jti"))
        batch_op.drop_column("mfa_jti")
