"""Shared column types and database-level settings.

Every model imports its column types from here so that primary keys, timestamps and short
strings are declared one way across the code base (UTC in the database, always).
"""

from __future__ import annotations

import enum
import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator

from marac_app.extensions import Base, db

# The declarative base every model derives from. Flask-SQLAlchemy builds ``db.Model`` at run
# time (it adds the query property and binds); type checkers see it as ``Base``, whose
# ``Mapped[...]`` annotations they understand.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only clock models use)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones, so values are normalised to UTC on the way in and marked UTC on
    the way out; PostgreSQL stores ``timestamp with time zone``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EncryptedString(TypeDecorator[str]):
    """A short secret (e.g. a TOTP key) encrypted at rest with Fernet (AES-128-CBC + HMAC).

    The key is derived (HKDF-SHA256) from ``DATA_ENCRYPTION_KEY`` when set, else from the app's
    ``SECRET_KEY``: a copy of the database alone does not reveal the secrets. Changing that
    key makes stored values unreadable (users then set up their authenticator again).
    """

    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return _fernet().encrypt(value.encode()).decode("ascii")

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return _fernet().decrypt(value.encode("ascii")).decode()


def _fernet() -> Any:
    from flask import current_app

    config = current_app.config
    return _fernet_for(str(config.get("DATA_ENCRYPTION_KEY") or config["SECRET_KEY"]))


@functools.lru_cache(maxsize=4)
def _fernet_for(master: str) -> Any:
    import base64

    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"marac-manager", info=b"data-encryption"
    ).derive(master.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def str_enum(enum_class: type[enum.StrEnum], length: int = 32) -> sa.Enum:
    """A StrEnum stored by value in a VARCHAR (no native enum: new values need no DDL)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


intpk = Annotated[int, mapped_column(primary_key=True)]
created_at = Annotated[datetime, mapped_column(UTCDateTime(), default=utcnow, nullable=False)]
updated_at = Annotated[
    datetime, mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
]
str_short = Annotated[str, mapped_column(sa.String(120))]
str_long = Annotated[str, mapped_column(sa.String(255))]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: WAL, full fsync, foreign keys, busy timeout — on every new connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # pysqlite's own transaction handling emits no BEGIN before SAVEPOINT, so RELEASE of a
    # nested transaction (begin_nested) silently committed the outer one. Take the driver out
    # of the way and let SQLAlchemy's "begin" hook below open every transaction itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(_busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """SQLite: BEGIN IMMEDIATE — nearly every request writes (the audit trail records reads),
    so take the write lock up front and let the busy timeout queue writers, instead of a
    deferred transaction failing with SQLITE_BUSY when it upgrades from reading to writing."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_busy_timeout_ms = 5000


def configure_sqlite(busy_timeout_ms: int) -> None:
    """Set the busy timeout used by the connect hook (called once by ``create_app``)."""
    global _busy_timeout_ms
    _busy_timeout_ms = busy_timeout_ms


__all__ = [
    "EncryptedString",
    "UTCDateTime",
    "created_at",
    "db",
    "intpk",
    "str_enum",
    "str_long",
    "str_short",
    "updated_at",
    "utcnow",
]
