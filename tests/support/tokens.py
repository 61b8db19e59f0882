"""Tokens made or read outside the app: forged ones to be refused, issued ones to inspect."""

from __future__ import annotations

import warnings

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from tests.support.settings import TEST_SECRETS

SECRET = TEST_SECRETS["JWT_SECRET_KEY"]
WRONG_KEY = "an-attackers-key-that-is-long-enough-0123456789"


def forge(claims: dict, key: str | None = SECRET, algorithm: str = "HS256", **headers) -> str:
    with warnings.catch_warnings():
        # HS384/HS512 want a longer key than ours; the point here is that we refuse them.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)


def claims_of(token: str) -> dict:
    """A token's claims, unverified: for inspecting what the server issued."""
    return jwt.decode(token, options={"verify_signature": False})
