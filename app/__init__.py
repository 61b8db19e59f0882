"""Wardrobe API: the application factory.

`create_app` is a list of `register_*` steps and nothing else. It never touches the
database, so the app starts (and /healthz answers) even while the database is down.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli, database, metrics, observability, problems, redis_store
from app.client_address import ValidClientAddress
from app.extensions import api, db, jwt, limiter
from app.identity import passwords
from app.mail import in_process as mail_in_process
from app.security.route_policies import check_every_route_has_a_policy
from app.web import headers
from app.web.blueprint import URL_CONVERTERS
from app.web.json_provider import FastJSONProvider
from config import derived_settings, load_config


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app for `config_name` (default: APP_ENV), with optional setting overrides.

    Raises config.ConfigError: unsafe or invalid settings (e.g. weak secrets in production).
    Raises UndeclaredPolicyError: a route declares no authorization policy.
    """
    app = Flask(__name__, static_folder=None)
    app.json = FastJSONProvider(app)
    app.json.sort_keys = False  # bodies keep their declared order
    app.config.from_object(load_config(config_name))
    app.config.update(overrides or {})
    for name, value in derived_settings(app.config).items():
        app.config.setdefault(name, value)

    register_extensions(app)
    register_blueprints(app)
    problems.register_error_handlers(app)
    cli.register_commands(app)
    headers.init_app(app)
    register_proxy_fix(app)
    check_every_route_has_a_policy(app)
    return app


def register_extensions(app: Flask) -> None:
    # First, so the request id is set before any other before_request hook (the rate
    # limiter's) can fail the request.
    observability.init_app(app)
    metrics.init_app(app)  # nothing at all unless METRICS_ENABLED
    db.init_app(app)
    database.init_app(app)
    jwt.init_app(app)
    limiter.init_app(app)
    _limit_only_where_declared(app)
    api.init_app(app)
    passwords.init_app(app)
    redis_store.init_app(app)
    mail_in_process.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine)


def register_blueprints(app: Flask) -> None:
    from app.accounts.routes import blp as accounts_blp
    from app.apidocs.routes import blp as apidocs_blp
    from app.auth.routes import blp as auth_blp
    from app.clothes.routes import blp as clothes_blp
    from app.health.metrics_routes import blp as metrics_blp
    from app.health.routes import blp as health_blp
    from app.keys.routes import blp as keys_blp
    from app.mfa.routes import blp as mfa_blp
    from app.outfits.routes import blp as outfits_blp
    from app.users.routes import blp as users_blp
    from app.webclient.routes import blp as webclient_blp

    app.url_map.converters.update(URL_CONVERTERS)
    blueprints = (
        auth_blp,
        accounts_blp,
        mfa_blp,
        users_blp,
        clothes_blp,
        outfits_blp,
        health_blp,
        keys_blp,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(apidocs_blp)
    app.register_blueprint(webclient_blp)
    if app.config["METRICS_ENABLED"]:  # else /metrics is a 404 like any unknown path
        app.register_blueprint(metrics_blp)


def register_proxy_fix(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, take the client address from X-Forwarded-For.

    With the default 0 the socket address is used, so a client cannot choose the address
    the rate limiter counts against. A forwarded value that is not an IP address is ignored
    (app/client_address.py).
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        checked = ValidClientAddress(app.wsgi_app)
        app.wsgi_app = ProxyFix(checked, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _limit_only_where_declared(app: Flask) -> None:
    """Drop flask-limiter's check on every request: our limits are all declared per route.

    Fast path [no-global-limiter]: see docs/performance.md. The `@limiter.limit` decorators
    on login, register and password change check their limits themselves; the app-wide hook
    would only look for (absent) default limits, on every request.
    """
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def _tune_sqlite(engine: Any) -> None:
    """SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
