"""Password hashing (argon2id) and the password policy.

Hashing parameters come from the config (OWASP's m=19 MiB, t=2, p=1 in production), and a
stored hash made with other parameters is upgraded at the next successful login.
"""

from __future__ import annotations

import gzip
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

from app.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


@dataclass
class Passwords:
    """The app's hasher, plus a dummy hash to verify against when an email is unknown."""

    hasher: PasswordHasher
    _dummy_hash: str | None = field(default=None, repr=False)

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches. Never raises for a wrong password or a bad hash."""
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> bool:
        """Spend one verification on an unknown email, so timing does not reveal which exist."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy_hash, password)
        return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


def init_app(app: Flask) -> None:
    app.extensions["passwords"] = Passwords(
        PasswordHasher(
            time_cost=app.config["ARGON2_TIME_COST"],
            memory_cost=app.config["ARGON2_MEMORY_COST_KIB"],
            parallelism=app.config["ARGON2_PARALLELISM"],
            type=Type.ID,
        )
    )


def passwords() -> Passwords:
    return current_app.extensions["passwords"]


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (over 8,000 common passwords of 8+ characters), loaded once."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """What is wrong with `password` under the policy, as messages for the client."""
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(f"Must be between {MIN_LENGTH} and {MAX_LENGTH} characters long.")
    if password.lower() in common_passwords():
        problems.append("Is too common; choose a password that is harder to guess.")
    if email and password.strip().lower() == email.strip().lower():
        problems.append("Must not be the same as the email.")
    return problems


def check_password_policy(password: str, *, email: str, field: str = "password") -> None:
    """Raises ValidationFailed: naming `field` with every rule the password breaks."""
    problems = password_problems(password, email=email)
    if problems:
        raise ValidationFailed({field: problems})
