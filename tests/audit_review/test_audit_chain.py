"""The audit trail's hash chain and ``flask --app marac_app verify-audit``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from marac_app import create_app
from marac_app.audit import CHAIN_FIELDS, GENESIS_HASH, AuditEvent, compute_hash, record
from marac_app.audit_review.services import verify_chain
from marac_app.extensions import db
from tests.audit_review.conftest import drop_append_only

# The hashed fields, written out here on purpose: a change to ``CHAIN_FIELDS`` (which would
# invalidate every stored hash) must be made in this test too.
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_role",
    "actor_agency_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip_address",
    "request_id",
    "detail",
)


def test_the_hashed_fields_are_the_pinned_ones() -> None:
    assert CHAIN_FIELDS == HASHED_FIELDS


def verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["verify-audit", "--batch-size", "100"])
    return result.exit_code, result.output


def chain_rows(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def test_each_event_links_to_the_one_before(app: Flask, add_event, reviewer) -> None:
    first = add_event("user_viewed", actor=reviewer, object_type="user", object_id=7)
    second = add_event("sign_out", detail="naïve – unicode ✓")
    assert first.row_hash and len(first.row_hash) == 64
    assert second.prev_hash == first.row_hash
    assert second.id > first.id
    rows = chain_rows(app)
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash
    # The stored hash is reproducible from the stored fields (the round trip through the
    # database keeps time to the microsecond, in UTC).
    stored = rows[-1]
    assert (
        compute_hash(
            {c: getattr(stored, c) for c in HASHED_FIELDS},
            stored.prev_hash,
        )
        == stored.row_hash
    )


def test_verify_audit_reports_an_intact_trail(app: Flask, add_event) -> None:
    for n in range(5):
        add_event("thing_viewed", object_type="thing", object_id=n)
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    code, output = verify(app)
    assert code == 0, output
    assert f"Audit trail intact: {total} events" in output
    # The check itself is recorded, and chained.
    rows = chain_rows(app)
    assert rows[-1].action == "audit_verified"
    assert verify(app)[0] == 0


def test_verify_audit_finds_a_changed_row(app: Flask, add_event, db_transaction) -> None:
    events = [add_event("thing_viewed", object_type="thing", object_id=n) for n in range(4)]
    target = events[1]
    drop_append_only(db_transaction)
    db_transaction.execute(
        sa.text("UPDATE audit_event SET object_id = '99' WHERE id = :id"), {"id": target.id}
    )
    code, output = verify(app)
    assert code != 0
    assert f"Audit trail TAMPERED: first bad event id={target.id} (contents changed" in output


def test_verify_audit_finds_a_case_taken_off_an_event(
    app: Flask, add_event, db_transaction
) -> None:
    """The cases a read exposed are hashed with it: deleting one (to hide that a research
    list showed case 7) breaks the chain at that event."""
    events = [
        add_event(
            "research_list_downloaded", object_type="meeting", object_id=1, case_ids=(5, 7, 9)
        )
        for _ in range(3)
    ]
    assert verify(app)[0] == 0
    drop_append_only(db_transaction)
    db_transaction.execute(
        sa.text("DELETE FROM audit_event_case WHERE event_id = :id AND case_id = 7"),
        {"id": events[1].id},
    )
    code, output = verify(app)
    assert code != 0 and f"first bad event id={events[1].id}" in output


def test_verify_audit_finds_a_row_changed_with_its_hash_recomputed(
    app: Flask, add_event, db_transaction
) -> None:
    events = [add_event("thing_viewed", object_type="thing", object_id=n) for n in range(4)]
    target = events[1]
    # A careful forger fixes the row's own hash: the next row's link still breaks.
    drop_append_only(db_transaction)
    with app.app_context():
        row = db.session.get(AuditEvent, target.id)
        fields = {c: getattr(row, c) for c in HASHED_FIELDS}
    fields["object_id"] = "99"
    db_transaction.execute(
        sa.text("UPDATE audit_event SET object_id = '99', row_hash = :h WHERE id = :id"),
        {"id": target.id, "h": compute_hash(fields, target.prev_hash)},
    )
    code, output = verify(app)
    assert code != 0
    assert f"first bad event id={events[2].id} (does not follow the previous event" in output


def test_verify_audit_finds_a_deleted_middle_row(app: Flask, add_event, db_transaction) -> None:
    events = [add_event("thing_viewed", object_type="thing", object_id=n) for n in range(4)]
    drop_append_only(db_transaction)
    db_transaction.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    code, output = verify(app)
    assert code != 0
    assert f"Audit trail TAMPERED: first bad event id={events[2].id}" in output
    assert "removed or inserted" in output


def test_verify_audit_finds_a_row_written_outside_record(
    app: Flask, add_event, db_transaction
) -> None:
    add_event("thing_viewed")
    db_transaction.execute(
        sa.text(
            "INSERT INTO audit_event (id, occurred_at, action, outcome) "
            "VALUES (:id, CURRENT_TIMESTAMP, 'forged', 'allowed')"
        ),
        {"id": 10**9},
    )
    code, output = verify(app)
    assert code != 0 and f"id={10**9} (no hash" in output


def test_verify_reads_in_batches(app: Flask, add_event) -> None:
    for n in range(7):
        add_event("thing_viewed", object_id=n)
    with app.app_context():
        report = verify_chain(batch=2)
        total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    assert report.intact and report.events == total


def test_appending_reads_only_the_last_row_by_primary_key(app: Flask, add_event) -> None:
    add_event("thing_viewed")
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.session.get_bind().engine
        sa.event.listen(engine, "before_cursor_execute", capture)
        try:
            record("thing_viewed")
        finally:
            sa.event.remove(engine, "before_cursor_execute", capture)
        db.session.rollback()
    reads = [s for s in statements if s.upper().startswith("SELECT") and "audit_event" in s]
    head = [s for s in reads if "row_hash" in s and "ORDER BY audit_event.id DESC" in s]
    assert head and all("LIMIT" in s for s in head), statements
    assert not any("count(" in s.lower() or "max(" in s.lower() for s in reads), statements


def test_concurrent_writers_keep_one_unbroken_chain(
    fresh_database: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several threads (separate connections) append at once: no two events share a
    predecessor and the chain verifies."""
    fresh = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=fresh_database, OUTBOX_DIR=str(tmp_path / "outbox")
    )
    # Use the app's own sessions (the test fixture binds db.session to one connection).
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    with fresh.app_context():
        upgrade()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                with fresh.app_context():
                    db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent))
                    record("concurrency_probe", object_type="thing", object_id=f"{n}-{i}")
                    db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with fresh.app_context():
            report = verify_chain(batch=7)
            prevs = db.session.scalars(sa.select(AuditEvent.prev_hash)).all()
            db.session.remove()
        assert report.intact and report.events == 40, report
        assert len(set(prevs)) == 40
    finally:
        with fresh.app_context():
            db.engine.dispose()


def test_the_migration_chains_existing_events_and_downgrades_cleanly(
    fresh_database: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events written before 0008 are chained by it with the same hashing as ``record``; the
    append-only triggers survive the upgrade and the downgrade."""
    from flask_migrate import downgrade

    fresh = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=fresh_database, OUTBOX_DIR=str(tmp_path / "outbox")
    )
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    insert = sa.text(
        "INSERT INTO audit_event (occurred_at, actor_id, actor_role, action, object_type, "
        "object_id, outcome, ip_address, request_id, detail) VALUES (:at, :actor, 'admin', "
        ":action, 'user', :oid, 'allowed', '127.0.0.1', 'req', :detail)"
    )
    try:
        with fresh.app_context():
            upgrade(revision="0007")
            with db.engine.begin() as connection:
                for n in range(5):
                    connection.execute(
                        insert,
                        {
                            "at": datetime(2026, 1, 1, 9, n, 0, 123456 * (n % 2), tzinfo=UTC),
                            "actor": n or None,
                            "action": f"old_{n}",
                            "oid": str(n),
                            "detail": None if n % 2 else f"d{n} é",
                        },
                    )
            upgrade()
            report = verify_chain()
            assert report.intact and report.events == 5, report
            record("after_upgrade")
            db.session.commit()
            assert verify_chain().intact
            db.session.remove()  # end its transaction (SQLite: it holds the write lock)
            with (
                db.engine.connect() as connection,
                pytest.raises(sa.exc.DBAPIError, match="append-only"),
            ):
                connection.execute(sa.text("UPDATE audit_event SET action = 'x'"))
            db.session.remove()
            downgrade(revision="0007")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("audit_event")}
            assert "row_hash" not in columns and "prev_hash" not in columns
            with (
                db.engine.connect() as connection,
                pytest.raises(sa.exc.DBAPIError, match="append-only"),
            ):
                connection.execute(sa.text("DELETE FROM audit_event"))
    finally:
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()
