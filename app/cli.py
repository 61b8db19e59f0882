"""Command-line tasks: `flask --app wsgi create-admin EMAIL`, `... prune-sessions`, `... seed-demo`,
`... routes-by-role`; the groups `... mail` and `... keys` live with their features.

Commands call services, as routes do, and turn domain errors into a one-line reason.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from app.clothes.services import seed_demo_items
from app.errors import ServiceUnavailable, ValidationFailed
from app.extensions import db
from app.keys.commands import keys_group
from app.mail.commands import mail_group
from app.security.mfa_challenges import prune_expired
from app.security.route_policies import render_roles_table
from app.security.sessions import prune_ended_sessions
from app.users.services import create_or_promote_admin, find_user_by_email
from app.web.fields import Email


def database_errors_as_one_line(command: Callable[..., None]) -> Callable[..., None]:
    """A database that is down is a one-line reason and a non-zero exit, not a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            cause = type(getattr(error, "orig", None) or error).__name__
            raise click.ClickException(f"the database is unavailable ({cause})") from None

    return wrapper


PASSWORD_SOURCES = ("--password", "--password-stdin", "--password-env")


@click.command("create-admin")
@click.argument("email")
@click.option(
    "--password",
    default=None,
    help="Set this password. Other local users can read it in the process list: "
    "prefer --password-stdin or --password-env.",
)
@click.option(
    "--password-stdin",
    "from_stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (the line end is removed).",
)
@click.option(
    "--password-env",
    "env_name",
    metavar="VAR",
    default=None,
    help="Read the password from environment variable VAR, for scripts "
    "(e.g. --password-env WARDROBE_ADMIN_PASSWORD).",
)
@database_errors_as_one_line
@with_appcontext
def create_admin_command(
    email: str, password: str | None, from_stdin: bool, env_name: str | None
) -> None:
    """Create EMAIL as an admin, or promote the existing user.

    A new user without a password option is prompted for one (twice, hidden). Setting the
    password of an existing user ends every session of that user.
    """
    try:
        email = Email().deserialize(email)
    except ValidationError as error:
        raise click.ClickException(f"{email!r}: {' '.join(error.messages)}") from None
    password = chosen_password(password, from_stdin=from_stdin, env_name=env_name)
    if password is None and find_user_by_email(email) is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = create_or_promote_admin(email=email, password=password)
    except ValidationFailed as error:
        raise click.ClickException("password: " + " ".join(error.errors["password"])) from None
    except ServiceUnavailable as error:
        raise click.ClickException(error.detail or error.title) from None
    verb = "Created" if created else "Promoted"
    done = "; password set, every session of the user ended" if password and not created else ""
    click.echo(f"{verb} admin {user.email} (id {user.id}){done}.")


def chosen_password(password: str | None, *, from_stdin: bool, env_name: str | None) -> str | None:
    """The password from the one source given (None: no source), exactly as typed.

    Standard input gives its first line without the line end and nothing else stripped:
    spaces may belong to a passphrase.
    Raises click.UsageError: more than one source, or a source that holds no password.
    """
    given = [password is not None, from_stdin, env_name is not None]
    if sum(given) > 1:
        names = [name for name, used in zip(PASSWORD_SOURCES, given, strict=True) if used]
        raise click.UsageError(f"{' and '.join(names)} cannot be used together")
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.UsageError("--password-stdin: standard input is empty")
        return line.removesuffix("\n").removesuffix("\r")
    if env_name is not None:
        if env_name not in os.environ:
            raise click.UsageError(f"--password-env: {env_name} is not set")
        return os.environ[env_name]
    return password


# At least a day; at most a century (much further back than that, datetime cannot count).
MAX_RETENTION_DAYS = 36_500


@click.command("prune-sessions")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1, max=MAX_RETENTION_DAYS),
    default=None,
    metavar="DAYS",
    help="Delete sessions that ended or expired more than DAYS days ago "
    "(default: SESSION_RETENTION_DAYS, 30).",
)
@database_errors_as_one_line
@with_appcontext
def prune_sessions_command(days: int | None) -> None:
    """Delete ended and expired sessions, keeping the last DAYS days; print how many.

    A live session is never deleted. Also deletes the records of second-step login attempts
    whose mfa_token has expired. Run it daily (cron, a systemd timer).
    """
    if days is None:
        days = current_app.config["SESSION_RETENTION_DAYS"]
        if not 1 <= days <= MAX_RETENTION_DAYS:
            raise click.ClickException(
                f"SESSION_RETENTION_DAYS must be 1 to {MAX_RETENTION_DAYS}, got {days}"
            )
    deleted = prune_ended_sessions(older_than_days=days)
    click.echo(f"Deleted {deleted} sessions that ended or expired more than {days} days ago.")
    click.echo(f"Deleted {prune_expired()} expired second-step login attempts.")


@click.command("seed-demo")
@click.option(
    "--count",
    default=50,
    show_default=True,
    type=click.IntRange(min=1, max=1_000_000),
    help="How many items to insert.",
)
@with_appcontext
def seed_demo_command(count: int) -> None:
    """Insert COUNT realistic demo clothes items; each run adds more."""
    inserted = seed_demo_items(count=count)
    click.echo(f"Inserted {inserted} demo clothes items.")


@click.command("routes-by-role")
@with_appcontext
def routes_by_role_command() -> None:
    """Print docs/roles.md: every route and who may call it."""
    click.echo(render_roles_table(current_app), nl=False)


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_admin_command)
    app.cli.add_command(prune_sessions_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(routes_by_role_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(keys_group)
    register_migrations(app)


def register_migrations(app: Flask) -> None:
    """`flask db ...` (Flask-Migrate), when the app is loaded by the `flask` command only.

    Fast path [migrate-only-in-cli]: see docs/performance.md. Importing Flask-Migrate
    imports Alembic, Mako and Pygments into every gunicorn worker, which never migrates.
    The `flask` command loads the app while a click context is active; gunicorn and the
    tests do not.
    """
    if click.get_current_context(silent=True) is None:
        return
    from flask_migrate import Migrate  # late on purpose: see above

    Migrate(app, db, render_as_batch=True)
