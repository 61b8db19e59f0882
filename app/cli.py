"""Command-line tasks: `flask --app wsgi create-admin EMAIL`, `... seed-demo`, `... routes-by-role`.

Commands call services, as routes do, and turn domain errors into a one-line reason.
"""

from __future__ import annotations

import functools
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
from app.fields import Email
from app.security.authorization import render_roles_table
from app.users.services import create_or_promote_admin, find_user_by_email


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


@click.command("create-admin")
@click.argument("email")
@click.option("--password", default=None, help="Set this password (prompted for a new user).")
@database_errors_as_one_line
@with_appcontext
def create_admin_command(email: str, password: str | None) -> None:
    """Create EMAIL as an admin, or promote the existing user."""
    try:
        email = Email().deserialize(email)
    except ValidationError as error:
        raise click.ClickException(f"{email!r}: {' '.join(error.messages)}") from None
    if password is None and find_user_by_email(email) is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = create_or_promote_admin(email=email, password=password)
    except ValidationFailed as error:
        raise click.ClickException("password: " + " ".join(error.errors["password"])) from None
    except ServiceUnavailable as error:
        raise click.ClickException(error.detail or error.title) from None
    verb = "Created" if created else "Promoted"
    click.echo(f"{verb} admin {user.email} (id {user.id}).")


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
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(routes_by_role_command)
    register_migrations(app)


def register_migrations(app: Flask) -> None:
    """`flask db ...` (Flask-Migrate), when the app is loaded by the `flask` command only.

    Importing Flask-Migrate imports Alembic, Mako and Pygments: 12 MB in every gunicorn
    worker, which never migrates (docs/performance.md). The `flask` command loads the app
    while a click context is active; gunicorn and the tests do not.
    """
    if click.get_current_context(silent=True) is None:
        return
    from flask_migrate import Migrate  # late on purpose: see above

    Migrate(app, db, render_as_batch=True)
