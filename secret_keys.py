"""Signing keys: generated per machine outside production, checked hard in production.

No key is written in the source. In development and testing a key that is not set is made
once with `secrets` and kept in the git-ignored instance folder, so tokens survive restarts
and nobody can forge one from the code. In production every key (SECRET_KEY, JWT_SECRET_KEY
and each of JWT_PREVIOUS_SECRET_KEYS) must be long, varied, distinct, and not one that ever
appeared in this repository (KNOWN_KEY_DIGESTS; tests/operations/test_config_keys.py scans
the tracked files and their history to keep that list complete).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path

MIN_KEY_BYTES = 32
# "x" * 40 is 40 bytes long, but no key: random keys of 32+ characters use many more.
MIN_DISTINCT_CHARACTERS = 10
KEY_FILE_NAME = "secret_keys.json"
KEY_NAMES = ("SECRET_KEY", "JWT_SECRET_KEY")
GENERATE_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"

# SHA-256 of every key-like value that ever appeared in this repository (old development
# defaults, test keys, example values): public, so never accepted in production. Digests, not
# the values, so this list is not one more place to copy a key from.
KNOWN_KEY_DIGESTS = frozenset(
    {
        "67594e5568a7269b0b30c46577370c1daf7ff88f8050af9295a0c20a0886becd",
        "a13209194dc4f9a705ebbdd82daa0bf689910137c94afb4b6da0144bcea41720",
        "675a77bd4399520a01e828a12f0850641370f22c02257621e9f561fd20092507",
        "70733ff6037e7b1d75ae95c131803d27c1a21298dcb663acaf664daef06d5d21",
        "7b2168b25aafa65f939be55ad8f3e13b6d5019a4f1529e8b81c80b906783b60f",
        "e9a2c2179f9affa70280bf0e882647cc7f1750d4f77af5d04c1cbe838b71efd1",
        "24fa5d40e51a76e899543f4c4840fcda2fe3115cfcacd0e6f6de2970c98ae60f",
        "b0f99c15c4a1f58504fe05e0a579c928a232df8924505b7ccbc39fce0d3594e7",
        "99ec00ada5465e607fc91d5138b22658831e7a4d40d04107a8ec0b1eb3e94169",
        "0197d873d76a5cf01e160f6fc1cffefdda66348fe067df616a478d31bc5b0198",
        "4ca0d226b0f648375eb24c5c5b2e10db25003f0b0270fa6196b547555449246e",
        "735cf6371a959e36285864d391d2cb8a6cee5a058a8b136fcc5613666054d855",
        "e98c8992a3e3f1aa183184f096fefd2ed31d892c9fc752c3a12d5ddfae5ad9e7",
    }
)


class UnsafeKey(ValueError):
    """A key cannot be used; the message names it but never holds its value."""


def key_problem(value: str) -> str | None:
    """Why `value` is no production key (None when it is acceptable)."""
    if len(value.encode()) < MIN_KEY_BYTES:
        return f"shorter than {MIN_KEY_BYTES} bytes"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"fewer than {MIN_DISTINCT_CHARACTERS} different characters, so not random"
    if hashlib.sha256(value.encode()).hexdigest() in KNOWN_KEY_DIGESTS:
        return "it appeared in this project's source, so anyone could know it"
    return None


def check_production_keys(named_keys: Iterable[tuple[str, str | None]]) -> None:
    """Every verifying key set, strong, unknown, and different from every other.

    Raises UnsafeKey: the first key that fails, by name and length only.
    """
    seen: dict[str, str] = {}
    for name, value in named_keys:
        if not value:
            raise UnsafeKey(
                f"{name} is not set: production needs 32+ random bytes ({GENERATE_HINT})"
            )
        problem = key_problem(value)
        if problem:
            raise UnsafeKey(
                f"{name} (a value of {len(value.encode())} bytes) is refused: {problem}"
            )
        if value in seen:
            raise UnsafeKey(f"{name} is refused: it equals {seen[value]}; every key must differ")
        seen[value] = name


def instance_keys(directory: Path) -> dict[str, str]:
    """This machine's generated keys, made on first use: {"SECRET_KEY": ..., "JWT_SECRET_KEY": ...}.

    The file is written whole under a temporary name (mode 0600) and hard-linked into place,
    which fails when another process got there first: parallel processes (gunicorn workers,
    test runs) all end up with the winner's keys.
    Raises UnsafeKey: the folder cannot be written, or the file is damaged.
    """
    path = directory / KEY_FILE_NAME
    if not path.exists():
        try:
            _create_once(path)
        except OSError as error:
            raise UnsafeKey(
                f"cannot keep generated keys in {path} ({error.strerror}): "
                "set SECRET_KEY and JWT_SECRET_KEY instead"
            ) from None
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UnsafeKey(f"{path} is unreadable or damaged: delete it to make new keys") from None
    if not isinstance(keys, dict) or any(
        not isinstance(keys.get(name), str) or len(keys[name]) < MIN_KEY_BYTES for name in KEY_NAMES
    ):
        raise UnsafeKey(f"{path} does not hold both keys: delete it to make new keys")
    return {name: keys[name] for name in KEY_NAMES}


def _create_once(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = {name: secrets.token_urlsafe(48) for name in KEY_NAMES}
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_keys.")  # 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(keys, file)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made them first: everyone uses those
    finally:
        os.unlink(temporary)
