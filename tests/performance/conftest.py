"""A small meeting world for the performance tests, and query counting.

Self-contained on purpose (other features' test fixtures change while they work):
``perf`` builds an area with two signed-up agencies, a chair, a coordinator, two
representatives, a DPO and today's meeting with one case, its gate open.
``count_queries(client, path)`` returns the response and the SQL statements the request ran
(a ``before_cursor_execute`` listener on the Engine class sees every connection, including
the test's bound one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from marac_app.agencies.models import Agency, MaracArea
from marac_app.attendance import services as attendance
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.referrals.models import AgendaItem, Case
from tests.fixtures import listed_case, open_confidentiality_gate, sign_up_agency


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
    return listed_case(area_id, agency_id, meeting_id, position, victim, prefix="PRF")


@pytest.fixture()
def perf(
    app: Flask,
    make_area: Callable[..., MaracArea],
    make_agency: Callable[..., Agency],
    make_user: Callable[..., User],
    make_meeting: Callable[..., Meeting],
) -> PerfWorld:
    area = make_area()
    police = make_agency(areas=[area])
    housing = make_agency(areas=[area])
    chair = make_user(Role.CHAIR, agency=police, area=area)
    coordinator = make_user(Role.COORDINATOR, agency=police, area=area)
    rep = make_user(Role.AGENCY_REP, agency=police)
    housing_rep = make_user(Role.AGENCY_REP, agency=housing)
    dpo = make_user(Role.DPO)
    made = make_meeting(area, chair=chair, invite=[rep, housing_rep])
    with app.app_context():
        for agency in (police, housing):
            sign_up_agency(db.session.merge(agency))
        meeting = db.session.get(Meeting, made.id)
        assert meeting is not None
        case, item = add_case(area.id, police.id, meeting.id, 1, "Vera Victim")
        db.session.commit()
        # Open the confidentiality gate: statement read, the police rep present and
        # acknowledged (through the attendance services, as the chair would).
        open_confidentiality_gate(meeting, chair.id, rep.id)
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
