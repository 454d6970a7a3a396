"""A meeting with two cases on its list, a chair, a coordinator, reps and signed-up agencies;
``open_gate`` opens the confidentiality gate through the attendance services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from marac_app.agencies.models import Agency, MaracArea
from marac_app.attendance import services as attendance
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.referrals.models import AgendaItem, Case
from tests.fixtures import listed_case, open_confidentiality_gate


@dataclass
class MinutesWorld:
    area: MaracArea
    police: Agency
    housing: Agency
    chair: User
    coordinator: User
    other_chair: User
    other_coordinator: User
    rep: User
    housing_rep: User
    meeting: Meeting
    case: Case
    case2: Case
    item: AgendaItem
    item2: AgendaItem

    def case_url(self, case: Case | None = None) -> str:
        return f"/minutes/meetings/{self.meeting.id}/cases/{(case or self.case).id}"


def _case(
    area: MaracArea, agency: Agency, meeting: Meeting, position: int, victim: str
) -> tuple[Case, AgendaItem]:
    return listed_case(area.id, agency.id, meeting.id, position, victim, prefix="MIN")


@pytest.fixture()
def mw(
    app: Flask,
    make_area,
    make_agency,
    make_user,
    make_meeting,
    sign_up,
    statement,
) -> MinutesWorld:
    area = make_area()
    other_area = make_area()
    police = make_agency(areas=[area])
    housing = make_agency(areas=[area])
    sign_up(police)
    sign_up(housing)
    chair = make_user(Role.CHAIR, agency=police, area=area, name="Charlie Chair")
    coordinator = make_user(Role.COORDINATOR, agency=police, area=area, name="Cora Coord")
    other_chair = make_user(Role.CHAIR, agency=police, area=other_area)
    other_coordinator = make_user(Role.COORDINATOR, agency=police, area=other_area)
    rep = make_user(Role.AGENCY_REP, agency=police, name="Priya Police")
    housing_rep = make_user(Role.AGENCY_REP, agency=housing, name="Hana Housing")
    meeting = make_meeting(area, invite=[rep, housing_rep], chair=chair)
    with app.app_context():
        case, item = _case(area, police, meeting, 1, "Vera Victim")
        case2, item2 = _case(area, police, meeting, 2, "Wendy Victim")
        db.session.commit()
        for row in (case, item, case2, item2):
            db.session.refresh(row)
    return MinutesWorld(
        area,
        police,
        housing,
        chair,
        coordinator,
        other_chair,
        other_coordinator,
        rep,
        housing_rep,
        meeting,
        case,
        case2,
        item,
        item2,
    )


@pytest.fixture()
def open_gate(app: Flask, mw: MinutesWorld) -> Callable[[], None]:
    """Open the meeting's gate: statement read, the police rep present and acknowledged."""

    def opener() -> None:
        with app.app_context():
            meeting = db.session.get(Meeting, mw.meeting.id)
            open_confidentiality_gate(meeting, mw.chair.id, mw.rep.id)
            db.session.commit()
            assert attendance.gate_problems(meeting) == []

    return opener


def entry_data(
    mw: MinutesWorld,
    text: str = "Police attended on 3 January.",
    *,
    kind: str = "fact",
    subject: str = "victim",
    agency: Agency | None = None,
) -> dict[str, str]:
    return {
        "subject": subject,
        "kind": kind,
        "source_agency": str((agency or mw.police).id),
        "text": text,
    }


def approval_data(app: Flask, meeting_id: int, reason: str = "Not discussed in full") -> dict:
    """What the approval check page posts once the chair has confirmed, with ``reason`` for
    every case on the list (the page only reads the reasons of incomplete cases)."""
    import sqlalchemy as sa

    with app.app_context():
        ids = db.session.scalars(
            sa.select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
        ).all()
    return {"confirm": "y", **{f"reason_{item_id}": reason for item_id in ids}}
