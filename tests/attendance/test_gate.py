"""The confidentiality gate: no case list (and no minutes) until the statement is read and
everyone present — observers too — has acknowledged it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.attendance import services
from marac_app.attendance.models import (
    AcknowledgementMethod,
    AttendanceStatus,
    ConfidentialityAcknowledgement,
)
from marac_app.common.errors import ServiceError
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.protocol.models import ConfidentialityStatement
from marac_app.referrals.models import AgendaItem, Case
from tests.attendance.conftest import World


def _load(world: World):
    meeting = db.session.get(Meeting, world.meeting.id)
    chair = db.session.merge(world.chair)
    return meeting, chair


def test_gate_refuses_before_the_statement_is_read(app: Flask, world: World) -> None:
    with app.app_context():
        meeting, chair = _load(world)
        problems = services.gate_problems(meeting)
        assert problems == [services.NOT_READ, services.NO_ONE_PRESENT]
        with pytest.raises(ServiceError, match="has not marked the confidentiality statement"):
            services.require_gate_open(meeting)

        # Everyone present and acknowledged, but the statement not marked read: still closed.
        rep = db.session.merge(world.rep)
        row = services.record_invitee_attendance(
            meeting, rep, status=AttendanceStatus.PRESENT, information_sent=None, actor=chair
        )
        services.acknowledge(
            meeting, actor=chair, attendance=row, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
        assert services.gate_problems(meeting) == [services.NOT_READ]


def test_gate_refuses_until_every_present_person_and_observer_acknowledges(
    app: Flask, world: World
) -> None:
    with app.app_context():
        meeting, chair = _load(world)
        services.mark_statement_read(meeting, shown_version=1, actor=chair)
        rep = db.session.merge(world.rep)
        rep2 = db.session.merge(world.rep2)
        present = services.record_invitee_attendance(
            meeting, rep, status=AttendanceStatus.PRESENT, information_sent=None, actor=chair
        )
        services.record_invitee_attendance(
            meeting, rep2, status=AttendanceStatus.APOLOGIES, information_sent=True, actor=chair
        )
        assert services.gate_problems(meeting) == [
            "Priya Police has not acknowledged the confidentiality statement"
        ]
        with pytest.raises(ServiceError, match="Priya Police has not acknowledged"):
            services.require_gate_open(meeting)

        services.acknowledge(
            meeting, actor=rep, attendance=present, method=AcknowledgementMethod.OWN_DEVICE
        )
        assert services.gate_problems(meeting) == []

        observer = services.add_observer(
            meeting, name="Olly Observer", organisation="SafeLives", chair_agreed=True, actor=chair
        )
        assert services.gate_problems(meeting) == [
            "Olly Observer (observer) has not acknowledged the confidentiality statement"
        ]
        services.acknowledge(
            meeting, actor=chair, observer=observer, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
        assert services.gate_problems(meeting) == []
        services.require_gate_open(meeting)  # does not raise


def test_acknowledgement_stores_version_who_when_and_how(app: Flask, world: World) -> None:
    with app.app_context():
        meeting, chair = _load(world)
        services.mark_statement_read(meeting, shown_version=1, actor=chair)
        rep = db.session.merge(world.rep)
        row = services.record_invitee_attendance(
            meeting, rep, status=AttendanceStatus.PRESENT, information_sent=None, actor=chair
        )
        extra = services.add_present_person(
            meeting, name="Dee Duty", agency=db.session.merge(world.police), actor=chair
        )
        own = services.acknowledge(
            meeting, actor=rep, attendance=row, method=AcknowledgementMethod.OWN_DEVICE
        )
        behalf = services.acknowledge(
            meeting, actor=chair, attendance=extra, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
        again = services.acknowledge(
            meeting, actor=chair, attendance=row, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
        assert again.id == own.id  # acknowledging twice keeps the first record
        stored = list(
            db.session.scalars(
                sa.select(ConfidentialityAcknowledgement).where(
                    ConfidentialityAcknowledgement.meeting_id == meeting.id
                )
            )
        )
        assert {
            (a.attendance_id, a.statement_version, a.method, a.recorded_by_id) for a in stored
        } == {
            (row.id, 1, AcknowledgementMethod.OWN_DEVICE, rep.id),
            (extra.id, 1, AcknowledgementMethod.RECORDED_BY_CHAIR, chair.id),
        }
        assert all(a.acknowledged_at is not None and a.acknowledged_at.tzinfo for a in stored)
        assert behalf.method.label == "Recorded by the chair on their behalf"


def test_a_new_statement_version_closes_the_gate_again(app: Flask, world: World) -> None:
    with app.app_context():
        meeting, chair = _load(world)
        services.mark_statement_read(meeting, shown_version=1, actor=chair)
        rep = db.session.merge(world.rep)
        row = services.record_invitee_attendance(
            meeting, rep, status=AttendanceStatus.PRESENT, information_sent=None, actor=chair
        )
        services.acknowledge(
            meeting, actor=rep, attendance=row, method=AcknowledgementMethod.OWN_DEVICE
        )
        assert services.gate_problems(meeting) == []
        current = services.current_statement()
        db.session.add(
            ConfidentialityStatement(version_number=current.version_number + 1, text="New text.")
        )
        db.session.flush()
        problems = services.gate_problems(meeting)
        assert problems and "has changed since it was read" in problems[0]


def test_unsigned_agency_cannot_be_marked_present(app: Flask, world: World) -> None:
    with app.app_context():
        meeting, chair = _load(world)
        unsigned = db.session.merge(world.unsigned_rep)
        with pytest.raises(ServiceError, match="has not signed version"):
            services.record_invitee_attendance(
                meeting,
                unsigned,
                status=AttendanceStatus.PRESENT,
                information_sent=None,
                actor=chair,
            )
        # Apologies from them may still be noted.
        row = services.record_invitee_attendance(
            meeting,
            unsigned,
            status=AttendanceStatus.APOLOGIES,
            information_sent=False,
            actor=chair,
        )
        assert row.information_sent is False


def test_case_list_is_ordered_by_position(app: Flask, world: World) -> None:
    with app.app_context():
        meeting, _ = _load(world)
        for position, ref in [(2, "TST-2026-0002"), (1, "TST-2026-0001")]:
            case = Case(area_id=meeting.area_id, reference=ref)
            db.session.add(case)
            db.session.flush()
            db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, position=position))
        db.session.flush()
        assert [i.case.reference for i in services.case_list(meeting)] == [
            "TST-2026-0001",
            "TST-2026-0002",
        ]
