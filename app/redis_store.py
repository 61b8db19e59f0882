"""The app's Redis client, when REDIS_URL is set: one per process, shared by its threads.

The client connects lazily, so the app starts while Redis is down. Its timeouts are short
and it never retries (config.redis_client_options): a dead Redis costs a request well under
a second before the caller falls back to the database or answers 503.
"""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis

from config import redis_client_options

EXTENSION_NAME = "wardrobe_redis"


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION_NAME] = (
        Redis.from_url(url, **redis_client_options(app.config)) if url else None
    )


def client() -> Redis | None:
    """The Redis client, or None when the app runs without Redis."""
    return current_app.extensions[EXTENSION_NAME]


def key(*parts: object) -> str:
    """A key under this app's REDIS_KEY_PREFIX, e.g. key("session", 7) -> "wardrobe:session:7"."""
    return current_app.config["REDIS_KEY_PREFIX"] + ":".join(str(part) for part in parts)
