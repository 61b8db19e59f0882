"""Recovery codes: ten single-use codes, for when the authenticator is lost.

Each has 80 random bits, shown once as `xxxx-xxxx-xxxx-xxxx`; only its SHA-256 is stored
(a slow hash is not needed for a random code of that strength, and argon2 here would cost
a login a second hash). Using one DELETEs its row: whichever of two concurrent requests
deletes it wins, the other matches nothing. The lookup is by digest, so nothing compares the
typed code itself, and how long the lookup takes says nothing about any stored code.
"""

from __future__ import annotations

import base64
import hashlib
import os

from sqlalchemy import delete

from app.database import rows_matched
from app.extensions import db
from app.identity.models import RecoveryCode

COUNT = 10
CODE_BYTES = 10  # 80 bits: 16 base32 characters
GROUP = 4


def normalise(code: str) -> str:
    """What is hashed: lowercase, without the dashes and spaces people type or paste."""
    return "".join(code.split()).replace("-", "").lower()


def digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def replace_codes(user_id: int) -> list[str]:
    """Void the user's codes and store a new set (in the caller's transaction); the codes."""
    delete_codes(user_id)
    codes = [_new_code() for _ in range(COUNT)]
    db.session.add_all(RecoveryCode(user_id=user_id, code_hash=digest(code)) for code in codes)
    return codes


def delete_codes(user_id: int) -> None:
    db.session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.user_id == user_id)
        .execution_options(synchronize_session=False)
    )


def use_code(user_id: int, code: str) -> bool:
    """True when `code` is one of the user's unused codes; it is then used up."""
    used = rows_matched(
        delete(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == digest(code))
        .execution_options(synchronize_session=False)
    )
    return used == 1


def _new_code() -> str:
    text = base64.b32encode(os.urandom(CODE_BYTES)).decode().lower()
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))
