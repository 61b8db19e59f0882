"""Unbound extension instances, bound to an app in `create_app`.

Models and services import from here, never from the app, so nothing imports `create_app`
except `wsgi.py` and the tests.
"""

from typing import TYPE_CHECKING, ClassVar

from flask import request
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

from app.web.openapi import WardrobeApi

# Named constraints, so that Alembic can alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model maps one Table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[Table]


def client_address() -> str:
    """The client's address as the rate limiter sees it.

    `request.remote_addr` is the socket peer, or (behind TRUSTED_PROXIES proxies) the address
    that ProxyFix took from `X-Forwarded-For` if it is an IP address (app/client_address.py);
    a client cannot set it otherwise.
    """
    return request.remote_addr or "unknown"


# Objects stay readable after commit: a view that commits and then serialises must not
# pay a second round trip to reload what it just wrote.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
jwt = JWTManager()
api = WardrobeApi()
limiter = Limiter(key_func=client_address)

# What models derive from. mypy cannot take a base class from an attribute (`db.Model` is made
# at run time), so to it models derive from Base, which db.Model is built on; Python runs
# db.Model itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
