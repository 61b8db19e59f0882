"""Password hashing (argon2id) and the password policy.

Hashing parameters come from the config (OWASP's m=19 MiB, t=2, p=1 in production), and a
stored hash made with other parameters is upgraded at the next successful login.

Passwords are normalised to NFKC before they are checked against the policy, hashed or
verified (NIST SP 800-63B 5.1.1.2), so the same password typed on keyboards that compose
characters differently (NFC "é" or NFD "e" + combining accent) is the same password.
A hash made before normalisation of a password whose NFKC form differs still verifies: when
the normalised form does not match, the password as typed is tried once, and a match is
rehashed in the normalised form (only such passwords ever cost a second verification).
"""

from __future__ import annotations

import gzip
import secrets
import unicodedata
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


def normalise_password(password: str) -> str:
    """The form that is checked, hashed and verified: NFKC."""
    return unicodedata.normalize("NFKC", password)


@dataclass(frozen=True, slots=True)
class Verification:
    """A password check: does it match, and should the stored hash be replaced?"""

    matches: bool
    # Old hashing parameters, or a hash of the password as typed rather than its NFKC form.
    rehash: bool = False


@dataclass
class Passwords:
    """The app's hasher, plus a dummy hash to verify against when an email is unknown."""

    hasher: PasswordHasher
    _dummy_hash: str | None = field(default=None, repr=False)

    def hash(self, password: str) -> str:
        return self.hasher.hash(normalise_password(password))

    def check(self, password_hash: str, password: str) -> Verification:
        """Verify the NFKC form, then (only if it differs) the form as typed; never raises.

        One argon2 verification whenever NFKC leaves the password unchanged (any ASCII one).
        """
        normalised = normalise_password(password)
        if self._verify(password_hash, normalised):
            return Verification(True, rehash=self.hasher.check_needs_rehash(password_hash))
        if normalised != password and self._verify(password_hash, password):
            return Verification(True, rehash=True)
        return Verification(False)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches. Never raises for a wrong password or a bad hash."""
        return self.check(password_hash, password).matches

    def verify_dummy(self, password: str) -> bool:
        """Spend what a wrong password costs on an unknown email, so timing does not reveal
        which emails exist."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self.check(self._dummy_hash, password)
        return False

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
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


# Characters that show nothing: separators, controls, format characters (zero-width space,
# joiners, bidi marks), unassigned and private-use code points, combining marks on nothing.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Co", "Mn", "Me"})
# Letters that render blank (Hangul fillers, the Braille blank, the Khmer vowel inherents).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


def is_invisible(char: str) -> bool:
    return char in _BLANK_LETTERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """What is wrong with `password` (taken in NFKC form) under the policy, as messages."""
    password = normalise_password(password)
    problems = []
    if all(is_invisible(char) for char in password):
        problems.append("Must contain visible characters, not only spaces or invisible ones.")
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
