"""Retention: the 7-year boundary, legal holds, a purge killed midway, dry runs, statistics."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import Flask

from marac_app.audit import AuditEvent
from marac_app.extensions import db
from marac_app.minutes.models import MinuteEntry
from marac_app.privacy import retention
from marac_app.privacy.models import CaseStatistic
from marac_app.referrals.models import Case, Referral
from marac_app.referrals.people import Person
from tests.privacy.conftest import case_exists, orphans

TODAY = date(2034, 6, 15)
SEVEN_YEARS_AGO = TODAY - relativedelta(years=7)


def counts() -> dict[str, int]:
    return {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
        for t in db.metadata.sorted_tables
    }


def test_boundary_seven_years_minus_a_day_kept_plus_a_day_purged(
    app: Flask, world, make_heard_case
) -> None:
    kept = make_heard_case(
        world, victim="Kept Person", closed_on=SEVEN_YEARS_AGO + relativedelta(days=1)
    )
    on_the_day = make_heard_case(world, victim="Anniversary Person", closed_on=SEVEN_YEARS_AGO)
    purged = make_heard_case(
        world, victim="Purged Person", closed_on=SEVEN_YEARS_AGO - relativedelta(days=1)
    )
    still_open = make_heard_case(world, victim="Open Person")
    with app.app_context():
        run = retention.apply_retention(TODAY)
        assert [c.case_id for c in run.cases] == [purged]
        assert case_exists(kept) and case_exists(on_the_day) and case_exists(still_open)
        assert not case_exists(purged)
        assert orphans() == []
        names = set(db.session.scalars(sa.select(Person.full_name)))
        assert "Purged Person" not in names and "Kept Person" in names


def test_legal_hold_keeps_an_old_case(app: Flask, world, make_heard_case) -> None:
    held = make_heard_case(world, closed_on=date(2020, 1, 1))
    with app.app_context():
        retention.set_legal_hold(db.session.get(Case, held), "Domestic homicide review", actor=None)
        db.session.commit()
        assert retention.apply_retention(TODAY).cases == []
        assert case_exists(held)
        retention.lift_legal_hold(db.session.get(Case, held), actor=None)
        db.session.commit()
        assert [c.case_id for c in retention.apply_retention(TODAY).cases] == [held]


def test_dry_run_changes_nothing_and_names_nobody(app: Flask, world, make_heard_case) -> None:
    old = make_heard_case(world, victim="Dryrun Victim", closed_on=date(2020, 1, 1))
    with app.app_context():
        before = counts()
        plan = retention.dry_run(TODAY)
        reference = db.session.get(Case, old).reference
        assert plan["cases"] == [(old, reference, date(2020, 1, 1))]
        assert plan["counts"]["marac_case"] == 1
        assert plan["counts"]["referral_person"] == 3
        assert plan["counts"]["minute_entry"] == 2
        assert counts() == before
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "--dry-run", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert reference in result.output and "1 case(s) would be deleted" in result.output
    assert "Dryrun" not in result.output and "Quarrington" not in result.output
    with app.app_context():
        assert case_exists(old)


def test_purge_killed_midway_then_rerun_finishes_without_orphans(
    app: Flask, world, make_heard_case
) -> None:
    ids = [
        make_heard_case(world, victim=f"Batch Person {n}", closed_on=date(2020, 1, n + 1))
        for n in range(3)
    ]
    calls: list[int] = []

    def crash_on_second(case_id: int) -> None:
        calls.append(case_id)
        if len(calls) == 2:
            raise RuntimeError("killed")

    with app.app_context():
        with pytest.raises(RuntimeError):
            retention.apply_retention(TODAY, batch_size=2, on_case=crash_on_second)
        db.session.rollback()
        assert [case_exists(i) for i in ids] == [False, True, True]
        assert orphans() == []

    def crash_inside_purge(table: str) -> None:
        if table == "referral":
            raise RuntimeError("killed mid-case")

    with app.app_context():
        # Killed in the middle of one case: that case's transaction is rolled back whole.
        with pytest.raises(RuntimeError):
            retention.purge_case(ids[1], before_delete=crash_inside_purge)
        db.session.rollback()
        assert case_exists(ids[1])
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(MinuteEntry)
                .where(MinuteEntry.agenda_item_id.is_not(None))
            )
            >= 4
        )
        assert orphans() == []

    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "--apply", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 case(s)" in result.output
    with app.app_context():
        assert not any(case_exists(i) for i in ids)
        assert orphans() == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0 or all(
            r.case_id not in ids for r in db.session.scalars(sa.select(Referral))
        )
        events = list(
            db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "retention_purged"))
        )
        assert len(events) == 3
        assert all(e.detail.startswith("cases=1 rows=") for e in events)
        # Idempotent: nothing left to do.
        assert retention.apply_retention(TODAY).cases == []


def test_statistics_survive_the_purge(app: Flask, world, make_heard_case) -> None:
    case_id = make_heard_case(world, closed_on=date(2020, 1, 1))
    with app.app_context():
        retention.apply_retention(TODAY)
        rows = list(
            db.session.scalars(sa.select(CaseStatistic).where(CaseStatistic.case_id == case_id))
        )
        assert len(rows) == 1
        row = rows[0]
        assert row.meeting_id == world.meeting.id and row.area_id == world.area.id
        assert row.meeting_date == date(2026, 3, 10)
        assert row.is_repeat is False and row.children_count == 1
        assert row.referring_agency_kind == "police"
        assert row.victim_racially_minoritised is True and row.victim_lgbt is True
        assert row.victim_disabled is False and row.victim_male is False
        assert row.victim_aged_16_17 is False and row.victim_aged_65_plus is False
        assert row.perpetrator_under_18 is True
        assert row.purged_at is not None


def test_snapshot_is_idempotent(app: Flask, world, make_heard_case) -> None:
    case_id = make_heard_case(world)
    with app.app_context():
        case = db.session.get(Case, case_id)
        retention.snapshot_case_statistics(case)
        retention.snapshot_case_statistics(case)
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(CaseStatistic)
                .where(CaseStatistic.case_id == case_id)
            )
            == 1
        )


def test_every_table_hanging_off_a_case_is_covered() -> None:
    reached = set(retention.dependency_report())
    for table in (
        "referral",
        "referral_person",
        "agenda_item",
        "action_item",
        "action_status_update",
        "minute_entry",
        "minute_entry_revision",
        "risk_summary",
        "minutes_amendment",
        "case_legal_hold",
        "case_restriction",
        "rectification",
    ):
        assert table in reached, table
    assert "case_statistic" not in reached and "subject_request" not in reached


def test_cached_minutes_pdf_of_a_purged_case_is_retired(app: Flask, world, make_heard_case) -> None:
    from marac_app.distribution.models import DocumentCopy, RenderedMaster

    make_heard_case(world, closed_on=date(2020, 1, 1))
    with app.app_context():
        retention.apply_retention(TODAY)
        master = db.session.scalar(
            sa.select(RenderedMaster).where(RenderedMaster.meeting_id == world.meeting.id)
        )
        assert master.key.startswith(f"meeting:{world.meeting.id}:v1:retired:")
        assert master.pdf == b""
        # The distribution log still says who was issued a copy.
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(DocumentCopy)
                .where(DocumentCopy.master_id == master.id)
            )
            == 1
        )
