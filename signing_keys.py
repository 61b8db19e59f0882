"""Ed25519 signing keys in PEM files: read and checked at start-up, made by `flask keys generate`.

With JWT_ALGORITHM=EdDSA the tokens are signed with a private key that only this service
holds, and anyone can verify them with the public half (GET /.well-known/jwks.json). The keys
live in files named by JWT_PRIVATE_KEY_FILES, never in the repository nor in an environment
variable (a PEM is several lines). Each key is known by its `kid`: its RFC 7638 thumbprint,
the base64url SHA-256 of its canonical public JWK. A thumbprint needs no registry of names,
is the same on every host that holds the key, and changes whenever the key does.

config.py calls `load_signing_keys`, so a missing or wrong file stops the app with one line
naming the variable (the file by path, never its contents).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHMS = ("HS256", "EdDSA")
VARIABLE = "JWT_PRIVATE_KEY_FILES"
# A PEM of an Ed25519 private key is 119 bytes; anything much larger is no such file.
MAX_PEM_BYTES = 16_384


class KeyFileError(ValueError):
    """A key file cannot be used; the message names the file, never its contents."""


@dataclass(frozen=True, eq=False)
class SigningKey:
    """One Ed25519 key pair and its `kid`. Compared (and hashed) by identity: a key loaded
    again is a new object, so caches keyed on it (tokens.py) never mix two loads."""

    kid: str
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey
    path: str

    def public_jwk(self) -> dict[str, str]:
        """The public half as a JWK (RFC 8037), with the members a verifier needs."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _public_x(self.public_key),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }


def thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace; base64url."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _public_x(public_key)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def load_signing_keys(algorithm: str, paths: Sequence[str]) -> tuple[SigningKey, ...]:
    """The keys of `paths`, in order (the first signs); () with HS256.

    Raises KeyFileError: EdDSA without files, HS256 with files, a file that is missing,
    unreadable, not a PEM private key, not Ed25519, or the same key named twice.
    """
    if algorithm not in ALGORITHMS:
        raise KeyFileError(f"JWT_ALGORITHM={algorithm!r} is not allowed: one of HS256, EdDSA")
    if algorithm == "HS256":
        if paths:
            raise KeyFileError(
                f"{VARIABLE} is set but JWT_ALGORITHM is HS256, which signs with "
                "JWT_SECRET_KEY: set JWT_ALGORITHM=EdDSA, or empty the list"
            )
        return ()
    if not paths:
        raise KeyFileError(
            f"{VARIABLE} is empty but JWT_ALGORITHM is EdDSA: list at least one PEM file "
            "(flask --app wsgi keys generate makes one)"
        )
    keys = tuple(_load(path) for path in paths)
    seen: set[str] = set()
    for key in keys:
        if key.kid in seen:
            raise KeyFileError(f"{VARIABLE}: {key.path} holds a key listed already")
        seen.add(key.kid)
    return keys


def generate_key_file(out: Path) -> tuple[Path, str]:
    """Write a new Ed25519 private key as PEM (mode 0600); return its path and `kid`.

    `out` is a folder (made 0700 if missing; the file is named after the kid) or a `.pem`
    path. Raises FileExistsError: the file exists (a key is never overwritten).
    """
    key = Ed25519PrivateKey.generate()
    kid = thumbprint(key.public_key())
    if out.suffix != ".pem":
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        out = out / f"{kid}.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return out, kid


def _load(path: str) -> SigningKey:
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_PEM_BYTES + 1)
    except OSError as error:
        raise KeyFileError(f"{VARIABLE}: cannot read {path} ({error.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileError(f"{VARIABLE}: {path} is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{VARIABLE}: {path} is not an Ed25519 key (EdDSA needs Ed25519)")
    public = key.public_key()
    return SigningKey(kid=thumbprint(public), private_key=key, public_key=public, path=path)


def _public_x(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64url(raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
