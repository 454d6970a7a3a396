"""Case references come from a per-area, per-year counter that only goes up: concurrent
referrals never share a number, a number taken outside the counter is skipped, and the
migration starts each counter from the highest reference in use — live, or erased before
counters existed (the request log kept the reference)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app import create_app
from marac_app.agencies.models import MaracArea
from marac_app.extensions import db
from marac_app.referrals import services
from marac_app.referrals.models import Case, CaseReferenceCounter, ErasedCase, ErasureBasis
from tests.conftest import POSTGRES_URL


def test_numbers_run_on_after_the_newest_case_is_gone(app: Flask, ref_world) -> None:
    with app.app_context():
        area = db.session.get(MaracArea, ref_world.area.id)
        first = services.new_case(area, year=2031)
        second = services.new_case(area, year=2031)
        db.session.delete(second)  # as the purge does
        db.session.flush()
        third = services.new_case(area, year=2031)
        assert [int(c.reference[-4:]) for c in (first, third)] == [1, 3]
        assert db.session.get(CaseReferenceCounter, (area.id, 2031)).last_number == 3


def test_a_number_on_a_tombstone_or_a_case_made_elsewhere_is_skipped(app: Flask, ref_world) -> None:
    with app.app_context():
        area = db.session.get(MaracArea, ref_world.area.id)
        code = area.code.upper()
        # An area's first case of the year starts after every number already in use.
        db.session.add(
            ErasedCase(
                case_id=999_999,
                reference=f"{code}-2032-0007",
                area_id=area.id,
                erased_at=datetime(2032, 2, 1, tzinfo=UTC),
                basis=ErasureBasis.RETENTION,
            )
        )
        db.session.add(Case(area_id=area.id, reference=f"{code}-2032-0004"))
        db.session.flush()
        assert services.new_case(area, year=2032).reference == f"{code}-2032-0008"
        # A tombstone written without the counter (e.g. imported) is skipped, never reused.
        db.session.add(
            ErasedCase(
                case_id=999_998,
                reference=f"{code}-2032-0009",
                area_id=area.id,
                erased_at=datetime(2032, 2, 2, tzinfo=UTC),
                basis=ErasureBasis.RETENTION,
            )
        )
        db.session.flush()
        assert services.new_case(area, year=2032).reference == f"{code}-2032-0010"


@pytest.fixture()
def own_session(monkeypatch: pytest.MonkeyPatch, db_transaction) -> None:
    """Give ``db.session`` back its own scoped session (the per-test one is bound to the
    test database's connection), for an app on a database of its own."""
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))


@pytest.fixture()
def separate_database(tmp_path, own_session) -> Iterator[str]:
    """A database of its own (the test's writers must commit for real, outside the per-test
    transaction): a SQLite file, or a fresh PostgreSQL database beside the test one."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'counter.sqlite3'}"
        return
    base = sa.make_url(POSTGRES_URL)
    mine = base.set(database=f"{base.database}_counter_race")
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{mine.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{mine.database}"'))
    try:
        yield mine.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{mine.database}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_referrals_never_share_a_number(separate_database: str) -> None:
    from flask_migrate import upgrade

    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI=separate_database)
    with fresh.app_context():
        upgrade()
        area = MaracArea(name="Race area", code="RACE")
        db.session.add(area)
        db.session.commit()
        area_id = area.id
    writers, per_writer = 4, 5
    references: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def writer() -> None:
        try:
            with fresh.app_context():
                start.wait()
                for _ in range(per_writer):
                    case = services.new_case(db.session.get(MaracArea, area_id), year=2030)
                    references.append(case.reference)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert sorted(references) == [
            f"RACE-2030-{n:04d}" for n in range(1, writers * per_writer + 1)
        ]
    finally:
        with fresh.app_context():
            db.engine.dispose()


def test_the_migration_starts_counters_after_live_and_already_erased_references(
    tmp_path, own_session
) -> None:
    """Before 0016, erasing CAM-2026-0006 let the next referral take it again. Upgrading
    gives the erased reference a tombstone and starts the counter after it."""
    from flask_migrate import downgrade, upgrade

    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with fresh.app_context():
        upgrade(revision="0015")
        connection = db.session.connection()
        connection.execute(
            sa.text(
                "INSERT INTO marac_area (id, name, code, active, created_at) "
                "VALUES (1, 'Cambridge', 'CAM', 1, '2026-01-01 00:00:00')"
            )
        )
        for case_id, number in ((1, 4), (2, 5)):
            connection.execute(
                sa.text(
                    "INSERT INTO marac_case (id, area_id, reference, status, created_at, "
                    "updated_at, version) VALUES (:id, 1, :ref, 'open', '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:00', 1)"
                ),
                {"id": case_id, "ref": f"CAM-2026-{number:04d}"},
            )
        connection.execute(
            sa.text(
                "INSERT INTO subject_request (id, person_name, right, received_on, due_on, status,"
                " created_at, updated_at, version) VALUES (1, 'Erased Person', 'erasure', "
                "'2026-02-01', '2026-03-01', 'completed', '2026-02-01 00:00:00', "
                "'2026-02-01 00:00:00', 1)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO subject_request_case (request_id, case_id, case_reference, erased_at)"
                " VALUES (1, 3, 'CAM-2026-0006', '2026-02-10 12:00:00.000000')"
            )
        )
        db.session.commit()
        upgrade()
        tombstone = db.session.scalar(sa.select(ErasedCase))
        assert (tombstone.reference, tombstone.case_id, tombstone.request_id) == (
            "CAM-2026-0006",
            3,
            1,
        )
        assert tombstone.basis == ErasureBasis.SUBJECT_REQUEST
        assert tombstone.erased_at == datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
        assert db.session.get(CaseReferenceCounter, (1, 2026)).last_number == 6
        fresh_case = services.new_case(db.session.get(MaracArea, 1), year=2026)
        assert fresh_case.reference == "CAM-2026-0007"
        assert fresh_case.id == 4  # SQLite would have given the erased case's id 3 again
        db.session.rollback()
        downgrade(revision="0015")
        assert "erased_case" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
