"""The key ring: which key signs our JWTs, which keys verify them, and what is published.

Every JWT this service makes (access, refresh, mfa_token) is signed by `sign` and read by
`verify`, so one place decides the algorithm and the key:

- HS256 (the default): JWT_SECRET_KEY signs; it and JWT_PREVIOUS_SECRET_KEYS verify. The
  header carries no `kid`: every secret is tried, newest first.
- EdDSA: the first key of JWT_PRIVATE_KEY_FILES signs, every one of them verifies, and the
  header names the signing key by its `kid` (an RFC 7638 thumbprint, signing_keys.py).

What a token's header may do is name one of OUR `kid`s: an unknown one is refused. It never
chooses the algorithm (the ring has exactly one, and a header naming another is refused before
any key is touched, so a public key can never be used as an HMAC secret), and `jwk`, `jku`,
`x5u` or `x5c` are never read: nothing is fetched or built from a token (RFC 8725 §3.1).
Both `iss` and `aud` are required and must be exactly ours.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app

from signing_keys import SigningKey

HS256 = "HS256"
EDDSA = "EdDSA"


@dataclass(frozen=True, eq=False)
class KeyRing:
    """The keys of one configuration, built once (`key_ring`). Hashed by identity: the
    verified-token cache (tokens.py) keys on it, so a change of keys is a different entry."""

    algorithm: str
    issuer: str
    audience: str
    signing_key: Any  # HS256: the secret (str); EdDSA: an Ed25519PrivateKey
    signing_kid: str | None
    secrets: tuple[str, ...]  # HS256: every verifying secret, the signing one first
    public_keys: Mapping[str, Ed25519PublicKey]  # EdDSA: every verifying key, by kid
    jwks: dict[str, list[dict[str, str]]]  # EdDSA: GET /.well-known/jwks.json

    def candidates(self, header: Mapping[str, Any]) -> Sequence[Any]:
        """The keys that may have signed a token with `header`: none when its `kid` is not
        one of ours (EdDSA); every secret with HS256."""
        if self.algorithm == HS256:
            return self.secrets
        kid = header.get("kid")
        key = self.public_keys.get(kid) if isinstance(kid, str) else None
        return () if key is None else (key,)


def key_ring() -> KeyRing:
    """The ring of the current app's settings (built on first use, then reused)."""
    config = current_app.config
    return _ring(
        config["JWT_ALGORITHM"],
        config["JWT_SECRET_KEY"],
        tuple(config["JWT_PREVIOUS_SECRET_KEYS"]),
        tuple(config["JWT_SIGNING_KEYS"]),
        config["JWT_ISSUER"],
        config["JWT_AUDIENCE"],
    )


def sign(claims: Mapping[str, Any], ring: KeyRing | None = None) -> str:
    """A JWT of `claims`, signed with the ring's signing key (its `kid` in the header)."""
    ring = ring or key_ring()
    headers = {"kid": ring.signing_kid} if ring.signing_kid else None
    return jwt.encode(dict(claims), ring.signing_key, algorithm=ring.algorithm, headers=headers)


def verify(
    raw: str, ring: KeyRing, *, audience: str, required: Sequence[str], leeway: int
) -> dict[str, Any]:
    """The payload of `raw` if one of our keys signed it with our algorithm, for `audience`
    and from our issuer, with every claim of `required`.

    Raises jwt.ExpiredSignatureError: ours, but past `exp`.
    Raises jwt.InvalidTokenError: anything else (another algorithm, an unknown `kid`, a bad
    signature, a wrong or missing `iss` or `aud`, a missing claim, garbage).
    """
    header = jwt.get_unverified_header(raw)
    if header.get("alg") != ring.algorithm:
        raise jwt.InvalidAlgorithmError("not the algorithm this server signs with")
    for key in ring.candidates(header):
        try:
            return jwt.decode(
                raw,
                key,
                algorithms=[ring.algorithm],
                audience=audience,
                issuer=ring.issuer,
                leeway=leeway,
                options={"require": [*required, "iss", "aud"], "strict_aud": True},
            )
        except jwt.InvalidSignatureError:
            continue  # HS256: maybe signed with a previous secret still being rotated out
    raise jwt.InvalidSignatureError("no key of ours signed this token")


# Fast path [key-ring-once]: see docs/performance.md. Built once per configuration; a
# changed setting (a test's app, a retired key) is a new ring, hence new cache entries.
@functools.lru_cache(maxsize=16)
def _ring(
    algorithm: str,
    secret: str,
    previous_secrets: tuple[str, ...],
    keys: tuple[SigningKey, ...],
    issuer: str,
    audience: str,
) -> KeyRing:
    if algorithm == EDDSA:
        return KeyRing(
            algorithm=EDDSA,
            issuer=issuer,
            audience=audience,
            signing_key=keys[0].private_key,
            signing_kid=keys[0].kid,
            secrets=(),
            public_keys={key.kid: key.public_key for key in keys},
            jwks={"keys": [key.public_jwk() for key in keys]},
        )
    return KeyRing(
        algorithm=HS256,
        issuer=issuer,
        audience=audience,
        signing_key=secret,
        signing_kid=None,
        secrets=(secret, *previous_secrets),
        public_keys={},
        jwks={"keys": []},
    )
