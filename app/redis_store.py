"""The app's Redis client, when REDIS_URL is set: one per process, shared by its threads.

The client connects lazily, so the app starts while Redis is down. Its timeouts are short
and it never retries (config.redis_client_options): a dead Redis costs a request well under
a second before the caller falls back to the database or answers 503.

Fast path [redis-only-with-url]: see docs/performance.md. This is the one module that
imports the redis package, and only when REDIS_URL is set: it weighs about 6 MB in every
worker, which an app without Redis does not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

from config import redis_client_options

if TYPE_CHECKING:
    from redis import Redis

EXTENSION_NAME = "wardrobe_redis"


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        app.extensions[EXTENSION_NAME] = None
        return
    from redis import Redis

    app.extensions[EXTENSION_NAME] = Redis.from_url(url, **redis_client_options(app.config))


def client() -> Redis | None:
    """The Redis client, or None when the app runs without Redis."""
    return current_app.extensions[EXTENSION_NAME]


def failures() -> tuple[type[Exception], ...]:
    """What a failed Redis call raises, for `except redis_store.failures():`.

    Python evaluates an except clause only when an exception is on its way out of the try,
    and every try around a Redis call is reached only with a client: so an app without
    Redis never imports the package here either.
    """
    from redis.exceptions import RedisError

    return (RedisError,)


def key(*parts: object) -> str:
    """A key under this app's REDIS_KEY_PREFIX, e.g. key("session", 7) -> "wardrobe:session:7"."""
    return current_app.config["REDIS_KEY_PREFIX"] + ":".join(str(part) for part in parts)
