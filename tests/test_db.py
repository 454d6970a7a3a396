"""SQLite settings and transaction semantics the app relies on."""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.extensions import db


def _engine(tmp_path):
    return sa.create_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")


def test_sqlite_pragmas_on_every_connection(tmp_path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    engine.dispose()


def test_releasing_a_savepoint_does_not_commit_the_outer_transaction(tmp_path) -> None:
    """Regression: pysqlite's default handling sent no BEGIN, so RELEASE SAVEPOINT of a
    begin_nested() committed everything before it, and a later rollback lost nothing."""
    engine = _engine(tmp_path)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.connect() as connection:
        outer = connection.begin()
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        nested = connection.begin_nested()
        connection.exec_driver_sql("INSERT INTO t VALUES (2)")
        nested.commit()
        outer.rollback()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM t").scalar() == 0
    engine.dispose()


def test_test_transactions_do_not_leak_between_tests(app, db_transaction) -> None:
    """Each test's work (including services that use begin_nested) is rolled back."""
    from marac_app.agencies.models import MaracArea

    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(MaracArea.id)).where(MaracArea.code == "LEAK")
            )
            == 0
        )
        with db.session.begin_nested():
            db.session.add(MaracArea(name="Leak check", code="LEAK"))
        db.session.commit()


def test_test_transactions_do_not_leak_between_tests_again(app, db_transaction) -> None:
    test_test_transactions_do_not_leak_between_tests(app, db_transaction)
