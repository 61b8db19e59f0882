"""TOTP (RFC 6238): secrets encrypted at rest, each code accepted once, ±1 step of drift.

A secret is 160 random bits (RFC 4226's recommendation), shown to its user once as base32,
as an otpauth:// URI and as a QR code, and stored only encrypted: AES-256-GCM with a key
derived by HKDF-SHA256 from MFA_ENCRYPTION_KEY (or SECRET_KEY when it is not set), the
user's id as associated data, so a ciphertext copied to another user's row does not decrypt.

A code is checked against the steps before, at and after the current one (30 s each). The
step it matched is then recorded with a conditional UPDATE (`WHERE totp_last_step < step`):
the database decides, atomically on every backend and across workers and hosts, and a code
of that step or of an older one is never accepted again.
"""

from __future__ import annotations

import base64
import functools
import hmac
import io
import os
import time

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import bindparam, or_, update

from app.database import rows_matched
from app.identity.models import User

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits
CIPHERTEXT_VERSION = "v1"
NONCE_BYTES = 12


# Fast path [second-step-statements]: see docs/performance.md. Recording a pin's step is
# built once, on the table (no ORM bulk-update machinery), with bound parameters.
_users = User.__table__
_RECORD_STEP = (
    update(_users)
    .where(
        _users.c.id == bindparam("user_id"),
        or_(_users.c.totp_last_step.is_(None), _users.c.totp_last_step < bindparam("step")),
    )
    .values(totp_last_step=bindparam("step"))
)


class SecretUnreadable(RuntimeError):
    """A stored secret does not decrypt: the encryption key changed, or the row was altered."""


def new_secret() -> str:
    """A fresh secret, base32 as authenticator apps take it."""
    return base64.b32encode(os.urandom(SECRET_BYTES)).decode()


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code or typed)."""
    issuer = current_app.config["MFA_ISSUER"]
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as a QR code, a standalone SVG document (made here, no network): it names
    the SVG namespace, so it shows as an image file as well as inline in a page."""
    import segno  # here: only an enrolment draws one, and it is 0.75 MB of every worker

    document = io.BytesIO()
    segno.make(uri, error="m").save(document, kind="svg", xmldecl=False, scale=4)
    return document.getvalue().decode()


def encrypt(secret: str, user_id: int) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(_key_material())).encrypt(nonce, secret.encode(), _bound_to(user_id))
    return f"{CIPHERTEXT_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, user_id: int) -> str:
    """Raises SecretUnreadable: wrong key, another user's row, or not our format."""
    version, _, payload = stored.partition(".")
    try:
        raw = base64.urlsafe_b64decode(payload)
        if version != CIPHERTEXT_VERSION:
            raise ValueError("unknown version")
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        return AESGCM(_key(_key_material())).decrypt(nonce, sealed, _bound_to(user_id)).decode()
    except (InvalidTag, ValueError):
        raise SecretUnreadable(f"the TOTP secret of user {user_id} does not decrypt") from None


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def accept_code(user: User, code: str) -> bool:
    """True when `code` is the user's code of a step within the drift and newer than any
    accepted before; that step is then recorded (in the caller's transaction).

    Every candidate step is compared, in constant time, whatever the first ones gave.
    """
    if user.totp_secret is None or not (len(code) == DIGITS and code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(decrypt(user.totp_secret, user.id))
    now = current_step()
    matched = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    if matched is None:
        return False
    return rows_matched(_RECORD_STEP, {"user_id": user.id, "step": matched}) == 1


def _key_material() -> str:
    config = current_app.config
    material: str = config.get("MFA_ENCRYPTION_KEY") or config["SECRET_KEY"]
    return material


@functools.lru_cache(maxsize=4)
def _key(material: str) -> bytes:
    """The AES key for `material` (derived once per process and material)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"wardrobe totp secret")
    return hkdf.derive(material.encode())


def _bound_to(user_id: int) -> bytes:
    return f"users.totp_secret:{user_id}".encode()
