"""A real meeting with minutes for the distribution tests, built through the services.

Self-contained (no other feature's test fixtures): an area with a signed-up police and housing
agency and an unsigned health agency, a chair, a coordinator, representatives, two cases on
the case list, the confidentiality gate open, entries, one action per agency, approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask

from marac_app.action_items.services import create_action
from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today as today
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import services as minutes
from marac_app.protocol.models import ConfidentialityStatement
from marac_app.protocol.services import current_statement
from marac_app.referrals.models import AgendaItem, Case
from tests.fixtures import listed_case, open_confidentiality_gate, sign_up_agency

STATEMENT_TEXT = (
    "Distribution-statement: information shared at this MARAC is strictly "
    "confidential and must not be passed on."
)
VICTIM = "Vera Victim"
FACT = "FACTMARK police attended the address"
OPINION = "OPINIONMARK the risk is escalating"
POLICE_ACTION = "POLICEACTION flag the address"
HOUSING_ACTION = "HOUSINGACTION priority transfer"


@dataclass
class DW:
    area: MaracArea
    police: Agency
    housing: Agency
    chair: User
    coordinator: User
    other_chair: User
    other_coordinator: User
    rep: User  # police, invited, present
    housing_rep: User  # invited, not present; housing owns an action
    police_rep2: User  # signed up, not invited
    health_rep: User  # agency in the area, not signed up
    meeting: Meeting
    case: Case
    case2: Case
    statement_text: str

    @property
    def base(self) -> str:
        return f"/distribution/meetings/{self.meeting.id}"


def _case(
    area: MaracArea, agency: Agency, meeting: Meeting, position: int, victim: str
) -> tuple[Case, AgendaItem]:
    return listed_case(
        area.id, agency.id, meeting.id, position, victim, prefix="DST", with_child=False
    )


@pytest.fixture()
def dw(app: Flask, make_area, make_agency, make_user, make_meeting) -> DW:
    area = make_area()
    other_area = make_area()
    police = make_agency(areas=[area])
    housing = make_agency(areas=[area])
    health = make_agency(areas=[area])
    chair = make_user(Role.CHAIR, agency=police, area=area, name="Charlie Chair")
    coordinator = make_user(Role.COORDINATOR, agency=police, area=area, name="Cora Coord")
    other_chair = make_user(Role.CHAIR, agency=police, area=other_area)
    other_coordinator = make_user(Role.COORDINATOR, agency=police, area=other_area)
    rep = make_user(Role.AGENCY_REP, agency=police, name="Priya Police")
    housing_rep = make_user(Role.AGENCY_REP, agency=housing, name="Hana Housing")
    police_rep2 = make_user(Role.AGENCY_REP, agency=police, name="Paul Police")
    health_rep = make_user(Role.AGENCY_REP, agency=health, name="Hugo Health")
    made = make_meeting(area, chair=chair, invite=[rep, housing_rep])
    with app.app_context():
        sign_up_agency(db.session.get(Agency, police.id))
        sign_up_agency(db.session.get(Agency, housing.id))
        statement = current_statement()
        if statement is None:
            statement = ConfidentialityStatement(version_number=1, text=STATEMENT_TEXT)
            db.session.add(statement)
            db.session.flush()
        meeting = db.session.get(Meeting, made.id)
        assert meeting is not None
        police_row = db.session.get(Agency, police.id)
        housing_row = db.session.get(Agency, housing.id)
        case, item = _case(area, police_row, meeting, 1, VICTIM)
        case2, item2 = _case(area, police_row, meeting, 2, "Wendy Victim")
        chair_row = db.session.get(User, chair.id)
        open_confidentiality_gate(meeting, chair.id, rep.id)
        minutes.add_entry(
            item,
            subject="victim",
            kind="fact",
            source_agency=police_row,
            text=f"<p>{FACT} where {VICTIM} lives</p>",
            actor=chair_row,
        )
        minutes.add_entry(
            item,
            subject="victim",
            kind="professional_opinion",
            source_agency=police_row,
            text=f"<p>{OPINION}</p>",
            actor=chair_row,
        )
        due = today() + timedelta(days=7)
        create_action(
            case,
            owner_agency=police_row,
            description=POLICE_ACTION,
            due_date=due,
            priority="high",
            actor=chair_row,
            agenda_item=item,
        )
        create_action(
            case2,
            owner_agency=housing_row,
            description=HOUSING_ACTION,
            due_date=due,
            priority="medium",
            actor=chair_row,
            agenda_item=item2,
        )
        minutes.approve(meeting, actor=chair_row)
        statement_text = statement.text
        db.session.commit()
        for row in (meeting, case, case2):
            db.session.refresh(row)
    return DW(
        area,
        police,
        housing,
        chair,
        coordinator,
        other_chair,
        other_coordinator,
        rep,
        housing_rep,
        police_rep2,
        health_rep,
        meeting,
        case,
        case2,
        statement_text,
    )
