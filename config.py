"""Settings for each environment, read from environment variables (and `.env`), all validated.

`APP_ENV` picks the class: `development` (the default for the `flask` command, what `make run`
uses), `testing` (what the test suite uses) or `production`. gunicorn refuses to start without
`APP_ENV` (gunicorn.conf.py). Every variable the app or gunicorn reads is read here and nowhere
else, each by one typed reader (`_env_int`, `_env_rate_limit`, ...) that refuses a bad value
with a ConfigError of one line: the variable, the value, and what is allowed. Adding a
setting is one line in `Config.__init__` (or `server_settings`) of the form
`self.NAME = _env_int(NAME_IN_QUOTES, default, low=..., high=...)`, plus its line in
`.env.example` (tests/operations/test_config.py checks that every setting read here is
listed there).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import load_dotenv

import secret_keys
import signing_keys

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
load_dotenv(BASE_DIR / ".env")

MAX_INT = 2**31 - 1
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
REDIS_SCHEMES = ("redis", "rediss", "unix")
ORIGIN = re.compile(
    r"https?://(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
)
REDIS_PREFIX = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
MAIL_FROM = re.compile(r"[^\r\n<>@]{0,100}<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+")
PUBLIC_BASE_URL = re.compile(ORIGIN.pattern + r"(?:/[A-Za-z0-9._~/-]*)?")
CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# RFC 6750's token characters: what fits in `Authorization: Bearer ...` as it is.
BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,256}")
BIND = re.compile(r"unix:/\S+|fd://\d+|(?:[A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]):\d{1,5}")
# `iss` and `aud` of our tokens: a name or a URL, printable ASCII without spaces.
TOKEN_PARTY = re.compile(r"[\x21-\x7e]{1,200}")
# The audience of the mfa_token (app/security/mfa_challenges.py): no access token may share it.
MFA_TOKEN_AUDIENCE = "wardrobe:mfa"  # noqa: S105 - an audience name, not a secret


class ConfigError(RuntimeError):
    """The configuration cannot be used safely; the app refuses to start (message: one line)."""


# --- readers: one per type; each returns the default when the variable is unset or blank ------


def _raw(name: str) -> str | None:
    raw = os.environ.get(name)
    return None if raw is None or raw.strip() == "" else raw.strip()


def _refused(name: str, raw: str, allowed: str) -> ConfigError:
    """One line; repr() keeps a newline in the value from breaking it; passwords masked."""
    shown = re.sub(r"//[^/@\s]*@", "//***@", raw)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return ConfigError(f"{name}={shown!r} is not allowed: {allowed}")


def _env_int(name: str, default: int, *, low: int = 0, high: int = MAX_INT) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,12}", raw) or not low <= int(raw) <= high:
        raise _refused(name, raw, f"a whole number from {low} to {high}")
    return int(raw)


def _env_float(name: str, default: float, *, low: float, high: float) -> float:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise _refused(name, raw, f"a number from {low:g} to {high:g}")
    return value


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = _raw(name)
    if raw is None:
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise _refused(name, raw, f"one of {', '.join(choices)}")


def _env_bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false", "1", "0"):
        raise _refused(name, raw, "true or false (or 1 or 0)")
    return raw.lower() in ("true", "1")


def _env_str(name: str, default: str, *, pattern: re.Pattern[str], allowed: str) -> str:
    raw = _raw(name)
    if raw is None:
        return default
    if not pattern.fullmatch(raw):
        raise _refused(name, raw, allowed)
    return raw


def _env_list(name: str, *, check: Callable[[str], bool] = bool, allowed: str = "") -> list[str]:
    """A comma-separated list; blank items are dropped, every other item must pass `check`."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    for item in items:
        if not check(item):
            raise _refused(name, item, allowed)
    return items


def _env_rate_limit(name: str, default: str) -> str:
    """A flask-limiter rate ("10 per minute", "5/second;100/hour"), parsed as it will be used."""
    from limits import parse_many

    raw = _raw(name)
    if raw is None:
        return default
    try:
        valid = all(item.amount >= 1 for item in parse_many(raw))
    except ValueError:
        valid = False
    if not valid:
        raise _refused(name, raw, "a rate such as '10 per minute' or '5/second;100/hour'")
    return raw


def _env_mail_url(name: str, default: str | None) -> str | None:
    """`console`, `disabled`, or smtp[s]://[USER[:PASSWORD]@]HOST[:PORT][?starttls=true|false]."""
    raw = _raw(name)
    if raw is None:
        return default
    if raw.lower() in ("console", "disabled"):
        return raw.lower()
    try:
        parts = urlsplit(raw)
        valid = (
            parts.scheme in ("smtp", "smtps")
            and bool(parts.hostname)
            and parts.port != 0
            and parts.path in ("", "/")
            and parts.query in ("", "starttls=true", "starttls=false")
        )
    except ValueError:
        valid = False
    if not valid:
        raise _refused(
            name, raw, "console, disabled, or smtp[s]://[USER:PASSWORD@]HOST[:PORT][?starttls=true]"
        )
    return raw


def _env_database_url(name: str, default: Callable[[], str]) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    raw = _raw(name)
    if raw is None:
        return default()
    try:
        valid = make_url(raw).drivername in DATABASE_DRIVERS
    except (ArgumentError, ValueError):
        valid = False
    if not valid:
        raise _refused(name, raw, f"a SQLAlchemy URL with driver {' or '.join(DATABASE_DRIVERS)}")
    return raw


def _env_redis_url(name: str) -> str | None:
    raw = _raw(name)
    if raw is None:
        return None
    try:
        parts = urlsplit(raw)
        where = parts.path if parts.scheme == "unix" else parts.hostname
        valid = parts.scheme in REDIS_SCHEMES and bool(where) and parts.port != 0
    except ValueError:  # a port that is no number or out of range, a bad IPv6 address
        valid = False
    if not valid:
        raise _refused(name, raw, "redis://HOST[:PORT][/DB], rediss://... or unix:///PATH")
    return raw


def parse_clients(name: str, raw: str, *, production: bool) -> dict[str, bytes]:
    """`id:secret,id2:secret2` -> {id: SHA-256 of its secret}: the secrets are not kept.

    An id is 1-64 of A-Za-z0-9._- and appears once. In production each secret is checked
    like a signing key (32+ bytes, varied, never a value from this repository). Errors name
    the entry by its position and id, never by its secret.
    Raises ConfigError: the first entry that is refused.
    """
    clients: dict[str, bytes] = {}
    items = [item.strip() for item in raw.split(",") if item.strip()]
    for number, item in enumerate(items, 1):
        client_id, _, secret = item.partition(":")
        where = f"{name} entry {number}"
        if not CLIENT_ID.fullmatch(client_id) or not secret:
            raise ConfigError(f"{where} is not allowed: use ID:SECRET, ID 1-64 of A-Za-z0-9._-")
        if client_id in clients:
            raise ConfigError(f"{where} is not allowed: the id {client_id!r} appears twice")
        problem = secret_keys.key_problem(secret) if production else None
        if problem:
            raise ConfigError(f"{where} ({client_id!r}): its secret is refused: {problem}")
        clients[client_id] = hashlib.sha256(secret.encode()).digest()
    return clients


def _default_database_url() -> str:
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'wardrobe.db'}"


def _signing_keys(algorithm: str, paths: list[str]) -> tuple[signing_keys.SigningKey, ...]:
    try:
        return signing_keys.load_signing_keys(algorithm, paths)
    except signing_keys.KeyFileError as error:
        raise ConfigError(str(error)) from None


def _is_origin(value: str) -> bool:
    return bool(ORIGIN.fullmatch(value))


# --- the settings -------------------------------------------------------------------------


class Config:
    """Settings shared by every environment; subclasses change only what differs.

    The environment is read when the object is built, not at import, so a test (or a
    process) that changes a variable gets a config that sees it.
    Raises ConfigError: the first setting that is not allowed.
    """

    ENV_NAME = "base"
    TESTING = False
    # Outside production, mail is logged (the console transport) unless MAIL_URL says otherwise.
    DEFAULT_MAIL_URL: str | None = "console"
    # `make run` (development) delivers queued mail from a thread of the web process; elsewhere
    # `flask mail deliver --watch` does.
    MAIL_DELIVER_IN_PROCESS = False
    DEFAULT_LOG_FORMAT = "text"
    DEFAULT_ADMIN_MFA_REQUIRED = False

    JWT_TOKEN_LOCATION = ["headers"]
    JWT_HEADER_NAME = "Authorization"
    JWT_HEADER_TYPE = "Bearer"
    # Cookie sessions (app/security/cookies.py) check their own CSRF token, bound to the
    # session, in authentication.py: flask-jwt-extended's check would guard only its own
    # `jwt_required`, which no route uses.
    JWT_COOKIE_CSRF_PROTECT = False
    # The session cookies of `"transport": "cookie"` logins say `Secure` in production only
    # (a browser keeps them off plain HTTP there; `make run` serves plain HTTP).
    AUTH_COOKIE_SECURE = False
    # Never let a broken limiter storage silently switch limiting off (docs/security.md).
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
        self.SECRET_KEY = _raw("SECRET_KEY")
        self.JWT_SECRET_KEY = _raw("JWT_SECRET_KEY")
        # Older keys still accepted for verification while a rotation rolls out.
        self.JWT_PREVIOUS_SECRET_KEYS = _env_list("JWT_PREVIOUS_SECRET_KEYS")
        self.settle_keys()
        self.JWT_ACCESS_TOKEN_EXPIRES = _env_int(
            "JWT_ACCESS_TOKEN_EXPIRES", 900, low=1, high=86_400
        )
        self.JWT_REFRESH_TOKEN_EXPIRES = _env_int(
            "JWT_REFRESH_TOKEN_EXPIRES", 2_592_000, low=1, high=31_536_000
        )
        if self.JWT_ACCESS_TOKEN_EXPIRES > self.JWT_REFRESH_TOKEN_EXPIRES:
            raise ConfigError("JWT_ACCESS_TOKEN_EXPIRES must not exceed JWT_REFRESH_TOKEN_EXPIRES")
        self.JWT_LEEWAY = _env_int("JWT_LEEWAY", 0, low=0, high=30)

        self.SQLALCHEMY_DATABASE_URI = _env_database_url("DATABASE_URL", _default_database_url)
        self.DB_POOL_SIZE = _env_int("DB_POOL_SIZE", 5, low=1, high=100)
        self.DB_MAX_OVERFLOW = _env_int("DB_MAX_OVERFLOW", 5, low=0, high=100)
        self.DB_CONNECT_TIMEOUT = _env_int("DB_CONNECT_TIMEOUT", 3, low=1, high=60)
        # Waiting for a free pooled connection, then connecting, must stay under 5 s in total.
        self.DB_POOL_TIMEOUT = _env_float("DB_POOL_TIMEOUT", 1.0, low=0.001, high=60)
        self.REDIS_URL = _env_redis_url("REDIS_URL")
        # Every key this app writes in Redis starts with this, so apps (or test runs) can share
        # one Redis without seeing each other's sessions or rate-limit counters.
        self.REDIS_KEY_PREFIX = _env_str(
            "REDIS_KEY_PREFIX",
            "wardrobe:",
            pattern=REDIS_PREFIX,
            allowed="1-100 of A-Za-z0-9_.:-",
        )
        self.REDIS_TIMEOUT_SECONDS = _env_float("REDIS_TIMEOUT_SECONDS", 0.5, low=0.001, high=60)
        # How long a session or user check may be served from Redis before the database is
        # asked again; the worst case for a revocation Redis could not be told about.
        self.SESSION_CACHE_TTL = _env_int("SESSION_CACHE_TTL", 10, low=1, high=3600)
        # `flask prune-sessions` deletes sessions that ended longer ago than this.
        self.SESSION_RETENTION_DAYS = _env_int("SESSION_RETENTION_DAYS", 30, low=1, high=36_500)

        self.LOG_FORMAT = _env_choice("LOG_FORMAT", self.DEFAULT_LOG_FORMAT, ("text", "json"))
        self.LOG_LEVEL = _env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)

        self.LOGIN_RATE_LIMIT = _env_rate_limit("LOGIN_RATE_LIMIT", "10 per minute")
        self.REGISTER_RATE_LIMIT = _env_rate_limit("REGISTER_RATE_LIMIT", "60 per hour")
        self.LOGIN_ACCOUNT_RATE_LIMIT = _env_rate_limit(
            "LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes"
        )
        self.PASSWORD_CHANGE_RATE_LIMIT = _env_rate_limit(
            "PASSWORD_CHANGE_RATE_LIMIT", "5 per 15 minutes"
        )
        # Admin-only routes refuse (403 mfa_session_required) a session without a one-time pin.
        self.ADMIN_MFA_REQUIRED = _env_bool("ADMIN_MFA_REQUIRED", self.DEFAULT_ADMIN_MFA_REQUIRED)
        # The issuer an authenticator app shows next to the account (the otpauth:// URI).
        self.MFA_ISSUER = _env_str(
            "MFA_ISSUER",
            "Wardrobe API",
            pattern=re.compile(r"[A-Za-z0-9 ._-]{1,64}"),
            allowed="1-64 of A-Za-z0-9, space, ._-",
        )
        # The key TOTP secrets are encrypted with is derived from this, or from SECRET_KEY.
        self.MFA_ENCRYPTION_KEY = _raw("MFA_ENCRYPTION_KEY")
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0, low=0, high=5)
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 65_536, low=1, high=16_777_216)
        self.CORS_ORIGINS = _env_list(
            "CORS_ORIGINS", check=_is_origin, allowed="origins like https://app.example.com[:PORT]"
        )
        # Resource servers that may call POST /auth/introspect (HTTP Basic), secrets hashed.
        self.INTROSPECTION_CLIENTS = parse_clients(
            "INTROSPECTION_CLIENTS",
            os.environ.get("INTROSPECTION_CLIENTS", ""),
            production=self.ENV_NAME == "production",
        )
        self.read_mail_settings()
        self.read_signing_settings()

    def read_signing_settings(self) -> None:
        """How tokens are signed (signing_keys.py), and the issuer and audience they name.

        The key files are read here so that a bad one stops the start with one line; the keys
        the app uses are read again by `derived_settings`, after any override.
        Raises ConfigError: an algorithm, key file, issuer or audience that is not allowed.
        """
        self.JWT_ALGORITHM = _env_choice("JWT_ALGORITHM", "HS256", signing_keys.ALGORITHMS)
        self.JWT_DECODE_ALGORITHMS = [self.JWT_ALGORITHM]
        self.JWT_PRIVATE_KEY_FILES = _env_list("JWT_PRIVATE_KEY_FILES")
        _signing_keys(self.JWT_ALGORITHM, self.JWT_PRIVATE_KEY_FILES)
        default_issuer = self.PUBLIC_BASE_URL if _raw("PUBLIC_BASE_URL") else "wardrobe-api"
        allowed = "1-200 printable ASCII characters, no spaces (a name or a URL)"
        self.JWT_ISSUER = _env_str(
            "JWT_ISSUER", default_issuer, pattern=TOKEN_PARTY, allowed=allowed
        )
        self.JWT_AUDIENCE = _env_str(
            "JWT_AUDIENCE", "wardrobe-api", pattern=TOKEN_PARTY, allowed=allowed
        )
        if self.JWT_AUDIENCE == MFA_TOKEN_AUDIENCE:
            raise _refused("JWT_AUDIENCE", self.JWT_AUDIENCE, "any value but the mfa_token's own")
        # How long verifiers may cache GET /.well-known/jwks.json (Cache-Control max-age).
        self.JWKS_MAX_AGE = _env_int("JWKS_MAX_AGE", 300, low=0, high=86_400)
        self.read_metrics_settings()

    def read_metrics_settings(self) -> None:
        """GET /metrics for Prometheus (app/metrics): off, the route does not even exist."""
        self.METRICS_ENABLED = _env_bool("METRICS_ENABLED", default=False)
        # When set, a scrape must send `Authorization: Bearer <METRICS_TOKEN>`.
        self.METRICS_TOKEN = _env_str(
            "METRICS_TOKEN", "", pattern=BEARER_TOKEN, allowed="1-256 of A-Za-z0-9._~+/=-"
        )

    def read_mail_settings(self) -> None:
        """Outgoing mail and the links it carries (app/mail, app/identity/links.py)."""
        self.MAIL_URL = _env_mail_url("MAIL_URL", self.DEFAULT_MAIL_URL)
        self.MAIL_FROM = _env_str(
            "MAIL_FROM",
            "Wardrobe <no-reply@localhost>",
            pattern=MAIL_FROM,
            allowed="an address, optionally with a name: Wardrobe <no-reply@example.com>",
        )
        self.PUBLIC_BASE_URL = _env_str(
            "PUBLIC_BASE_URL",
            "http://127.0.0.1:8000",
            pattern=PUBLIC_BASE_URL,
            allowed="an http(s) origin with an optional path, e.g. https://wardrobe.example.com",
        ).rstrip("/")
        self.EMAIL_VERIFICATION_EXPIRES = _env_int(
            "EMAIL_VERIFICATION_EXPIRES", 86_400, low=60, high=2_592_000
        )
        self.PASSWORD_RESET_EXPIRES = _env_int("PASSWORD_RESET_EXPIRES", 1800, low=60, high=86_400)
        self.PASSWORD_RESET_RATE_LIMIT = _env_rate_limit("PASSWORD_RESET_RATE_LIMIT", "5 per hour")
        self.REQUIRE_VERIFIED_EMAIL = _env_bool("REQUIRE_VERIFIED_EMAIL", default=False)

    def settle_keys(self) -> None:
        """Outside production: a key that is not set comes from this machine's instance folder.

        Raises ConfigError: the instance folder cannot hold the keys.
        """
        if self.SECRET_KEY and self.JWT_SECRET_KEY:
            return
        try:
            generated = secret_keys.instance_keys(INSTANCE_DIR)
        except secret_keys.UnsafeKey as error:
            raise ConfigError(str(error)) from None
        self.SECRET_KEY = self.SECRET_KEY or generated["SECRET_KEY"]
        self.JWT_SECRET_KEY = self.JWT_SECRET_KEY or generated["JWT_SECRET_KEY"]


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    MAIL_DELIVER_IN_PROCESS = True


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    # Cheap hashes keep the suite fast; test_passwords.py checks the production parameters.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 64
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    AUTH_COOKIE_SECURE = True
    DEFAULT_LOG_FORMAT = "json"
    DEFAULT_MAIL_URL = None
    DEFAULT_ADMIN_MFA_REQUIRED = True

    def read_mail_settings(self) -> None:
        """MAIL_URL must be set: an SMTP server, or `disabled` (the console would log tokens).

        Raises ConfigError: MAIL_URL unset or `console`.
        """
        super().read_mail_settings()
        if self.MAIL_URL is None:
            raise ConfigError(
                "MAIL_URL must be set in production: smtp[s]://... or disabled (no mail)"
            )
        if self.MAIL_URL == "console":
            raise ConfigError(
                "MAIL_URL=console is not allowed in production: it logs the links it sends"
            )

    def read_metrics_settings(self) -> None:
        """With metrics on, a scrape needs METRICS_TOKEN, a key like the others.

        Raises ConfigError: METRICS_ENABLED without METRICS_TOKEN, or a weak or reused token.
        """
        super().read_metrics_settings()
        if not self.METRICS_ENABLED:
            return
        if not self.METRICS_TOKEN:
            raise ConfigError(
                "METRICS_TOKEN must be set in production when METRICS_ENABLED is true: "
                "32+ random bytes, which Prometheus sends as a bearer token"
            )
        keys = [("SECRET_KEY", self.SECRET_KEY), ("JWT_SECRET_KEY", self.JWT_SECRET_KEY)]
        try:
            secret_keys.check_production_keys([*keys, ("METRICS_TOKEN", self.METRICS_TOKEN)])
        except secret_keys.UnsafeKey as error:
            raise ConfigError(str(error)) from None

    def settle_keys(self) -> None:
        """Every key set by the operator, strong, distinct and never seen in this repository.

        Raises ConfigError: the first key that is missing or refused (by name, never by value).
        """
        named = [("SECRET_KEY", self.SECRET_KEY), ("JWT_SECRET_KEY", self.JWT_SECRET_KEY)]
        named += [
            (f"JWT_PREVIOUS_SECRET_KEYS entry {number}", key)
            for number, key in enumerate(self.JWT_PREVIOUS_SECRET_KEYS, 1)
        ]
        if mfa_key := _raw("MFA_ENCRYPTION_KEY"):  # optional; checked like the others if set
            named.append(("MFA_ENCRYPTION_KEY", mfa_key))
        try:
            secret_keys.check_production_keys(named)
        except secret_keys.UnsafeKey as error:
            raise ConfigError(str(error)) from None


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Build the settings object for `name`, or for `APP_ENV` when no name is given.

    Raises ConfigError: unknown environment name, or a setting that is not allowed.
    """
    name = name or _env_choice("APP_ENV", "development", tuple(CONFIGS))
    if name not in CONFIGS:
        raise _refused("APP_ENV", name, f"one of {', '.join(CONFIGS)}")
    return CONFIGS[name]()


def server_settings() -> dict[str, Any]:
    """gunicorn's own settings, validated like the app's; gunicorn.conf.py applies them.

    Raises ConfigError: a setting that is not allowed.
    """
    port = _env_int("PORT", 8000, low=1, high=65_535)
    max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0, low=0, high=10_000_000)
    return {
        "bind": [
            _env_str(
                "GUNICORN_BIND",
                f"127.0.0.1:{port}",
                pattern=BIND,
                allowed="HOST:PORT, [IPv6]:PORT, unix:/PATH or fd://N",
            )
        ],
        "workers": _env_int("WEB_CONCURRENCY", 2, low=1, high=256),
        "threads": _env_int("GUNICORN_THREADS", 1, low=1, high=256),
        "timeout": _env_int("GUNICORN_TIMEOUT", 30, low=1, high=3600),
        "graceful_timeout": _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, low=0, high=3600),
        "keepalive": _env_int("GUNICORN_KEEPALIVE", 5, low=0, high=3600),
        "max_requests": max_requests,
        "max_requests_jitter": max_requests // 10,
        "control_socket": _raw("GUNICORN_CONTROL_SOCKET"),
        "return_memory": _env_bool("GUNICORN_RETURN_MEMORY", True),
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
    # The Ed25519 keys of JWT_PRIVATE_KEY_FILES, as loaded objects (the first signs).
    derived["JWT_SIGNING_KEYS"] = _signing_keys(
        settings["JWT_ALGORITHM"], list(settings["JWT_PRIVATE_KEY_FILES"])
    )
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
