"""`flask --app wsgi mail deliver [--watch]`: send what the outbox holds."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.mail import sender

mail_group = AppGroup("mail", help="Outgoing mail.")


@mail_group.command("deliver")
@click.option("--watch", is_flag=True, help="Keep delivering until stopped (a service).")
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0.1, max=3600),
    help="With --watch: seconds to wait when nothing is due.",
)
def deliver_command(watch: bool, interval: float) -> None:
    """Send the messages that are due; failures are retried later with backoff."""
    if watch:
        sender.watch(interval_seconds=interval)
        return
    sent = sender.deliver_due()
    click.echo(f"Delivered {sent} messages.")
