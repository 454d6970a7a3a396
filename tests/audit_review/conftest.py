"""Fixtures for the audit trail tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.audit import AuditEvent, Outcome, record
from marac_app.auth.models import Role, User
from marac_app.extensions import db

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def real_sqlite_transaction(db_transaction: sa.Connection) -> None:
    """SQLite: make sure the test's outer transaction is really open (marac_app.db begins
    every transaction itself; this is a safety net should that change, because pysqlite alone
    sends no BEGIN before a SAVEPOINT, whose RELEASE would then commit). These tests drop
    triggers and alter audit rows: all of it must roll back."""
    if db_transaction.dialect.name == "sqlite":
        raw = db_transaction.connection.dbapi_connection
        if not raw.in_transaction:  # type: ignore[union-attr]
            db_transaction.exec_driver_sql("BEGIN")


@pytest.fixture()
def is_postgres(db_transaction: sa.Connection) -> bool:
    return db_transaction.dialect.name == "postgresql"


@pytest.fixture()
def add_event(app: Flask) -> Callable[..., AuditEvent]:
    """Write one event through the real ``record`` and commit it; returns it detached."""

    def factory(
        action: str = "thing_viewed",
        *,
        actor: User | None = None,
        object_type: str | None = None,
        object_id: int | str | None = None,
        outcome: Outcome = Outcome.ALLOWED,
        detail: str | None = None,
        case_ids: tuple[int, ...] = (),
    ) -> AuditEvent:
        with app.app_context():
            merged = db.session.merge(actor) if actor is not None else None
            event = record(
                action,
                actor=merged,
                object_type=object_type,
                object_id=object_id,
                outcome=outcome,
                detail=detail,
                case_ids=case_ids,
            )
            db.session.commit()
            db.session.refresh(event)
            db.session.expunge(event)
            return event

    return factory


@pytest.fixture()
def reviewer(make_user) -> User:
    return make_user(Role.ADMIN, name="Ada Reviewer")


@pytest.fixture()
def dpo(make_user) -> User:
    return make_user(Role.DPO, name="Dee Protection")


def drop_append_only(connection: sa.Connection) -> None:
    """Lift the append-only triggers inside the test's (rolled-back) transaction."""
    if connection.dialect.name == "postgresql":
        for table in ("audit_event", "audit_event_case"):
            connection.exec_driver_sql(
                f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_update_delete"
            )
    else:
        for table in ("audit_event", "audit_event_case"):
            connection.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
            connection.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")


@pytest.fixture()
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test database, dropped afterwards (for
    tests that must commit for real, from several connections)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    url = sa.make_url(database_url)
    name = f"{url.database}_fresh"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
