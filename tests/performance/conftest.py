"""A small meeting world for the performance tests, and query counting.

Self-contained on purpose (other features' test fixtures change while they work):
``perf`` builds an area with two signed-up agencies, a chair, a coordinator, two
representatives, a DPO and today's meeting with one case, its gate open.
``count_queries(client, path)`` returns the response and the SQL statements the request ran
(a ``before_cursor_execute`` listener on the Engine class sees every connection, including
the test's bound one).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from marac_app.agencies.models import Agency, MaracArea
from marac_app.attendance import services as attendance
from marac_app.attendance.models import AcknowledgementMethod, AttendanceStatus
from marac_app.auth.models import Role, User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.protocol.models import ProtocolSignature, ProtocolVersion
from marac_app.protocol.services import current_protocol
from marac_app.referrals.models import AgendaItem, Case, Criterion, Referral
from marac_app.referrals.people import Person, PersonRole

_refs = itertools.count(1)


@dataclass
class PerfWorld:
    area: MaracArea
    police: Agency
    housing: Agency
    chair: User
    coordinator: User
    rep: User
    dpo: User
    meeting: Meeting
    case: Case
    item: AgendaItem

    def case_url(self) -> str:
        return f"/minutes/meetings/{self.meeting.id}/cases/{self.case.id}"


def add_case(
    area_id: int, agency_id: int, meeting_id: int, position: int, victim: str
) -> tuple[Case, AgendaItem]:
    """A case with a referral (victim, perpetrator, child) on a meeting's list (flushed)."""
    case = Case(area_id=area_id, reference=f"PRF-2026-{next(_refs):05d}")
    db.session.add(case)
    db.session.flush()
    referral = Referral(
        area_id=area_id,
        case_id=case.id,
        referring_agency_id=agency_id,
        referrer_name="Rita Referrer",
        referred_on=date(2026, 1, 5),
        criterion=Criterion.VISIBLE_HIGH_RISK,
        dash_score=17,
    )
    referral.people = [
        Person(role=PersonRole.VICTIM, full_name=victim, normalised_name=victim.lower()),
        Person(role=PersonRole.PERPETRATOR, full_name="Peter Perp", normalised_name="peter perp"),
        Person(role=PersonRole.CHILD, full_name="Cara Child", normalised_name="cara child"),
    ]
    db.session.add(referral)
    db.session.flush()
    item = AgendaItem(
        meeting_id=meeting_id, case_id=case.id, referral_id=referral.id, position=position
    )
    db.session.add(item)
    db.session.flush()
    return case, item


def _sign_up(agency: Agency) -> None:
    version = current_protocol()
    if version is None:
        version = ProtocolVersion(
            title="Perf ISP",
            version_label="perf-1",
            effective_date=date(2020, 1, 1),
            grace_days=0,
            text="Agencies agree to share information.",
        )
        db.session.add(version)
        db.session.flush()
    db.session.add(
        ProtocolSignature(
            agency_id=agency.id,
            protocol_version_id=version.id,
            signatory_name="Sam Signatory",
            signatory_job_title="Head of Safeguarding",
            signed_on=date(2020, 1, 2),
            review_due_on=date(2099, 1, 1),
        )
    )


@pytest.fixture()
def perf(
    app: Flask,
    make_area: Callable[..., MaracArea],
    make_agency: Callable[..., Agency],
    make_user: Callable[..., User],
) -> PerfWorld:
    area = make_area()
    police = make_agency(areas=[area])
    housing = make_agency(areas=[area])
    chair = make_user(Role.CHAIR, agency=police, area=area)
    coordinator = make_user(Role.COORDINATOR, agency=police, area=area)
    rep = make_user(Role.AGENCY_REP, agency=police)
    housing_rep = make_user(Role.AGENCY_REP, agency=housing)
    dpo = make_user(Role.DPO)
    with app.app_context():
        for agency in (police, housing):
            _sign_up(db.session.merge(agency))
        starts = utcnow()
        meeting = Meeting(
            area_id=area.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            venue="Room 1",
            chair_id=chair.id,
        )
        db.session.add(meeting)
        db.session.flush()
        for person in (rep, housing_rep):
            db.session.add(
                Invitation(meeting_id=meeting.id, user_id=person.id, agency_id=person.agency_id)
            )
        case, item = add_case(area.id, police.id, meeting.id, 1, "Vera Victim")
        db.session.commit()
        # Open the confidentiality gate: statement read, the police rep present and
        # acknowledged (through the attendance services, as the chair would).
        chair_row = db.session.get(User, chair.id)
        version = attendance.required_version(meeting)
        attendance.mark_statement_read(meeting, shown_version=version, actor=chair_row)
        row = attendance.record_invitee_attendance(
            meeting,
            db.session.get(User, rep.id),
            status=AttendanceStatus.PRESENT,
            information_sent=None,
            actor=chair_row,
        )
        attendance.acknowledge(
            meeting, actor=chair_row, attendance=row, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
        db.session.commit()
        assert attendance.gate_problems(meeting) == []
        for obj in (meeting, case, item):
            db.session.refresh(obj)
    return PerfWorld(area, police, housing, chair, coordinator, rep, dpo, meeting, case, item)


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", listener)


def count_queries(client: FlaskClient, path: str) -> tuple[Any, list[str]]:
    with counting() as statements:
        response = client.get(path)
    return response, list(statements)
