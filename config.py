"""Settings for each environment, read from environment variables (and `.env`).

`APP_ENV` picks the class: `development` (the default, what `make run` uses), `testing`
(what the test suite uses) or `production` (what `gunicorn wsgi:app` should run with).
Every variable of API.md section 4 is read here and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

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
        self.REDIS_URL = env.get("REDIS_URL") or None
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"

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
