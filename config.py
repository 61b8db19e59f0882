"""Settings for each environment, read from environment variables (and `.env`).

`APP_ENV` picks the class: `development` (the default, what `make run` uses), `testing`
(what the test suite uses) or `production` (what `gunicorn wsgi:app` should run with).
Every variable of API.md section 4 is read here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

# Dev-only secrets: good enough for `make run` on a laptop, refused by ProductionConfig.
_DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105
_DEV_JWT_SECRET_KEY = "dev-only-jwt-secret-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_BYTES = 32


class ConfigError(RuntimeError):
    """The configuration cannot be used safely; the app refuses to start."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _default_database_url() -> str:
    instance = BASE_DIR / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'wardrobe.db'}"


class Config:
    """Settings shared by every environment; subclasses change only what differs.

    The environment is read when the object is built, not at import, so a test (or a
    process) that changes a variable gets a config that sees it.
    """

    ENV_NAME = "base"
    TESTING = False

    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_HEADER_NAME = "Authorization"
    JWT_HEADER_TYPE = "Bearer"
    # Tokens travel in the Authorization header only, so no cookie CSRF claim in them.
    JWT_COOKIE_CSRF_PROTECT = False
    # Never let a broken limiter storage silently switch limiting off (SECURITY.md).
    RATELIMIT_SWALLOW_ERRORS = False
    # flask-limiter's headers would put Retry-After on every response, even a 200; our 429
    # handler (app/errors.py) sets it where it belongs.
    RATELIMIT_HEADERS_ENABLED = False

    # argon2id at OWASP's recommended minimum (m=19 MiB, t=2, p=1): strong, and cheap
    # enough that two cores serve about 100 logins a second.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST_KIB = 19_456
    ARGON2_PARALLELISM = 1

    API_TITLE = "Wardrobe API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.0.3"
    # We serve /openapi.json and /docs ourselves (app/apidocs) so that they follow the same
    # deny-by-default policy check as every other route and need no CDN.
    OPENAPI_URL_PREFIX = None

    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY", _DEV_SECRET_KEY)
        self.JWT_SECRET_KEY = env.get("JWT_SECRET_KEY", _DEV_JWT_SECRET_KEY)
        # Older keys still accepted for verification while a rotation rolls out.
        self.JWT_PREVIOUS_SECRET_KEYS = _env_list("JWT_PREVIOUS_SECRET_KEYS")
        self.JWT_ACCESS_TOKEN_EXPIRES = _env_int("JWT_ACCESS_TOKEN_EXPIRES", 900)
        self.JWT_REFRESH_TOKEN_EXPIRES = _env_int("JWT_REFRESH_TOKEN_EXPIRES", 2_592_000)
        self.JWT_LEEWAY = _env_int("JWT_LEEWAY", 0)
        if not 0 <= self.JWT_LEEWAY <= 30:
            raise ConfigError("JWT_LEEWAY must be between 0 and 30 seconds")

        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or _default_database_url()
        self.DB_POOL_SIZE = _env_int("DB_POOL_SIZE", 5)
        self.DB_MAX_OVERFLOW = _env_int("DB_MAX_OVERFLOW", 5)
        self.DB_CONNECT_TIMEOUT = _env_int("DB_CONNECT_TIMEOUT", 3)
        # Waiting for a free pooled connection, then connecting, must stay under 5 s in total.
        self.DB_POOL_TIMEOUT = _env_float("DB_POOL_TIMEOUT", 1.0)
        self.REDIS_URL = env.get("REDIS_URL") or None
        # Every key this app writes in Redis starts with this, so apps (or test runs) can share
        # one Redis without seeing each other's sessions or rate-limit counters.
        self.REDIS_KEY_PREFIX = env.get("REDIS_KEY_PREFIX", "wardrobe:")
        self.REDIS_TIMEOUT_SECONDS = _env_float("REDIS_TIMEOUT_SECONDS", 0.5)
        # How long a session or user check may be served from Redis before the database is
        # asked again; the worst case for a revocation Redis could not be told about.
        self.SESSION_CACHE_TTL = _env_int("SESSION_CACHE_TTL", 10)
        if self.SESSION_CACHE_TTL < 1 or self.REDIS_TIMEOUT_SECONDS <= 0:
            raise ConfigError("SESSION_CACHE_TTL and REDIS_TIMEOUT_SECONDS must be positive")

        self.LOG_FORMAT = env.get("LOG_FORMAT", "text")
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO").upper()

        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "10 per minute")
        self.REGISTER_RATE_LIMIT = env.get("REGISTER_RATE_LIMIT", "60 per hour")
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 65_536)
        self.CORS_ORIGINS = _env_list("CORS_ORIGINS")


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    # Cheap hashes keep the suite fast; test_passwords.py checks the production parameters.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 64
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
        for name, dev_default in (
            ("SECRET_KEY", _DEV_SECRET_KEY),
            ("JWT_SECRET_KEY", _DEV_JWT_SECRET_KEY),
        ):
            value = getattr(self, name)
            if value == dev_default or len(value.encode()) < MIN_SECRET_BYTES:
                raise ConfigError(
                    f"{name} must be set to at least {MIN_SECRET_BYTES} random bytes in production"
                )
        if self.SECRET_KEY == self.JWT_SECRET_KEY:
            raise ConfigError("SECRET_KEY and JWT_SECRET_KEY must differ")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def derived_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings computed from others once overrides are applied (create_app adds the missing).

    PostgreSQL gets a checked, bounded pool and a short connect timeout, so a dead database
    costs a request at most a few seconds (then 503), never a hang. The rate limiter shares
    Redis when REDIS_URL is set, under its own key prefix, and raises (never swallows) when
    Redis does not answer.
    """
    # Errors name the statement but never its parameters (which may be a password hash).
    derived: dict[str, Any] = {"SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True}}
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        derived["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "hide_parameters": True,
            "pool_pre_ping": True,
            "pool_size": settings["DB_POOL_SIZE"],
            "max_overflow": settings["DB_MAX_OVERFLOW"],
            "pool_timeout": settings["DB_POOL_TIMEOUT"],
            "pool_recycle": 1800,
            "connect_args": {"connect_timeout": settings["DB_CONNECT_TIMEOUT"]},
        }
    redis_url = settings.get("REDIS_URL")
    derived["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    if redis_url:
        derived["RATELIMIT_STORAGE_OPTIONS"] = {
            "key_prefix": settings["REDIS_KEY_PREFIX"] + "limits",
            **redis_client_options(settings),
        }
    return derived


def redis_client_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Short timeouts and no retries: redis-py's defaults take seconds to notice a dead server."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = settings["REDIS_TIMEOUT_SECONDS"]
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 30,
    }


def load_config(name: str | None = None) -> Config:
    """Build the settings object for `name`, or for `APP_ENV` when no name is given.

    Raises ConfigError: unknown environment name, or settings that are unsafe to run with.
    """
    name = name or os.environ.get("APP_ENV", "development")
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, got {name!r}") from None
    return config_class()
