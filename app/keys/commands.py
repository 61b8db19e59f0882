"""`flask --app wsgi keys generate [--algorithm EdDSA] [--out DIR | FILE.pem]`: a new signing key.

The key is written as a PEM file readable by its owner only (0600), and never over an
existing file. What to do with it is printed: its `kid`, and the JWT_PRIVATE_KEY_FILES line
that adds it as a verifying key (the rotation of docs/deploy.md starts there).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from signing_keys import generate_key_file

keys_group = AppGroup("keys", help="Signing keys for EdDSA tokens.")


@keys_group.command("generate")
@click.option(
    "--algorithm",
    type=click.Choice(["EdDSA"]),
    default="EdDSA",
    show_default=True,
    help="The signature algorithm of the key (Ed25519).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="A folder (the file is named after the key's kid; default: instance/keys) "
    "or a path ending in .pem.",
)
def generate_command(algorithm: str, out: Path | None) -> None:
    """Write a new Ed25519 private key (PEM, mode 0600); print its kid."""
    out = out or Path(current_app.instance_path) / "keys"
    try:
        path, kid = generate_key_file(out)
    except FileExistsError:
        raise click.ClickException(f"{out} exists: a key is never overwritten") from None
    except OSError as error:
        raise click.ClickException(f"cannot write {out} ({error.strerror})") from None
    path = path.resolve()
    files = [*current_app.config["JWT_PRIVATE_KEY_FILES"], str(path)]
    click.echo(f"Wrote a new {algorithm} (Ed25519) private key to {path} (mode 0600).")
    click.echo(f"kid: {kid}")
    click.echo("To publish it as a verifying key first (the current signing key stays first):")
    click.echo(f"JWT_ALGORITHM=EdDSA\nJWT_PRIVATE_KEY_FILES={','.join(files)}")
