"""Ed25519 key files for tests of EdDSA signing, made fresh in the test's own folder, and a
correctly signed token for a session that was never opened.

No key is ever written in the repository (tests/operations/test_config_keys.py looks).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask

from app.security.signing import key_ring, sign
from signing_keys import generate_key_file


@dataclass(frozen=True)
class KeyFile:
    path: Path
    kid: str

    def private_pem(self) -> bytes:
        return self.path.read_bytes()

    def public_pem(self) -> bytes:
        key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def new_key(folder: Path) -> KeyFile:
    """A new Ed25519 private key in `folder` (made if missing), named after its kid."""
    path, kid = generate_key_file(folder)
    return KeyFile(path=path, kid=kid)


def eddsa_settings(*keys: KeyFile) -> dict:
    """App overrides that sign with the first key and verify with all of them."""
    return {"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILES": [str(key.path) for key in keys]}


def forged_access_token(app: Flask) -> str:
    """An access token the app's own keys signed, for session 1 of user 1: only the database
    can tell it is no real session (a test of what happens when that check cannot be made)."""
    with app.app_context():
        ring, now = key_ring(), int(time.time())
        claims = {"iss": ring.issuer, "aud": ring.audience, "sub": "1", "role": "user", "sid": 1}
        return sign({**claims, "type": "access", "jti": "forged", "iat": now, "exp": now + 60})
