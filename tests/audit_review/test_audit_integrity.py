"""Issue 2's audit guarantees: a failed audit write fails the request (nothing saved, no data
returned), and the database refuses UPDATE and DELETE on audit rows — SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

import marac_app.audit
from marac_app.agencies.models import MaracArea
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.extensions import db
from tests.conftest import csrf_token


def test_a_failed_audit_write_fails_the_admin_change(
    app: Flask, client, auth, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user(Role.ADMIN)
    auth.sign_in_as(admin)
    token = csrf_token(client, "/admin/areas/new")
    with app.app_context():
        events_before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))

    def broken_persist(event: AuditEvent, *cases: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(marac_app.audit, "_persist", broken_persist)
    monkeypatch.setitem(app.config, "PROPAGATE_UNEXPECTED", False)
    response = client.post(
        "/admin/areas/new",
        data={"csrf_token": token, "name": "Failclosed Vale", "code": "FCV", "active": "y"},
    )

    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Failclosed Vale" not in body and "FCV" not in body
    assert "audit store unavailable" not in body and "Traceback" not in body
    with app.app_context():
        assert (
            db.session.scalar(sa.select(MaracArea).where(MaracArea.name == "Failclosed Vale"))
            is None
        )
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events_before


def test_a_failed_audit_write_returns_no_data_on_a_read(
    app: Flask, client, auth, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user(Role.ADMIN)
    other = make_user(Role.AGENCY_REP, name="Hidden Person", email="hidden.person@x.example")
    auth.sign_in_as(admin)
    monkeypatch.setattr(
        marac_app.audit,
        "_persist",
        lambda event, *cases: (_ for _ in ()).throw(RuntimeError("down")),
    )
    monkeypatch.setitem(app.config, "PROPAGATE_UNEXPECTED", False)
    response = client.get(f"/admin/users/{other.id}")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Hidden Person" not in body and "hidden.person@x.example" not in body


def assert_refused(connection: sa.Connection, statement: str, **params: object) -> None:
    """The statement raises "append-only"; a savepoint keeps the test's transaction usable."""
    savepoint = connection.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        connection.execute(sa.text(statement), params)
    savepoint.rollback()


def _an_event(app: Flask) -> int:
    with app.app_context():
        event = marac_app.audit.record(
            "thing_viewed", object_type="thing", object_id=1, case_ids=(1,)
        )
        db.session.commit()
        return event.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'nothing_happened' WHERE id = :id",
        "UPDATE audit_event SET row_hash = NULL WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(
    app: Flask, db_transaction, statement: str
) -> None:
    event_id = _an_event(app)
    assert_refused(db_transaction, statement, id=event_id)
    row = db_transaction.execute(
        sa.text("SELECT action, row_hash FROM audit_event WHERE id = :id"), {"id": event_id}
    ).one()
    assert row.action == "thing_viewed" and row.row_hash


def test_the_database_refuses_to_empty_the_audit_table(app: Flask, db_transaction) -> None:
    _an_event(app)
    assert_refused(db_transaction, "DELETE FROM audit_event")
    assert_refused(db_transaction, "DELETE FROM audit_event_case")
    assert_refused(db_transaction, "UPDATE audit_event_case SET case_id = case_id + 1")
    if db_transaction.dialect.name == "postgresql":
        assert_refused(db_transaction, "TRUNCATE audit_event")
        assert_refused(db_transaction, "TRUNCATE audit_event_case")
    assert db_transaction.execute(sa.text("SELECT count(*) FROM audit_event")).scalar() >= 1
