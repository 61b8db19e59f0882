"""Never reuse auth session ids on SQLite.

Without AUTOINCREMENT, SQLite gives a new row the largest rowid that was deleted. A token
carries its session id (`sid`), so after a user (and their sessions) were deleted, the next
login could get the same sid, and the deleted user's tokens would name the new session.
PostgreSQL sequences never reuse values: nothing to do there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _recreate_auth_sessions(autoincrement: bool) -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "auth_sessions",
        recreate="always",
        table_kwargs={"sqlite_autoincrement": autoincrement},
    ):
        pass


def upgrade():
    _recreate_auth_sessions(autoincrement=True)


def downgrade():
    _recreate_auth_sessions(autoincrement=False)
