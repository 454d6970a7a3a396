"""A world for the transfer tests, built through the services.

Area A (sending) with a case heard at an approved meeting (entries, a risk summary, one open
and one completed action) and a second case on the same minutes; area B (receiving) and area
C (neither). The police serve A and B (one agency in two areas); each area has a coordinator
and a chair; a police representative is invited to a meeting in each of A and B.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.action_items.services import create_action
from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today as today
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import services as minutes
from marac_app.protocol.models import ConfidentialityStatement
from marac_app.protocol.services import current_statement
from marac_app.referrals.models import Case
from tests.fixtures import listed_case, open_confidentiality_gate, sign_up_agency

VICTIM = "Tamsin Transferwood"
OTHER_VICTIM = "Olive Othercase"
FACT = "TRANSFERFACT police attended"
OPINION = "TRANSFEROPINION the risk is rising"
OTHER_FACT = "OTHERCASEFACT never in a pack"
HARM = "TRANSFERHARM serious injury"
OPEN_ACTION = "OPENACTION flag the address"
DONE_ACTION = "DONEACTION refer to the IDVA"
OTHER_ACTION = "OTHERCASEACTION not this case"


@dataclass
class TW:
    a: MaracArea
    b: MaracArea
    c: MaracArea
    police: Agency
    coord_a: User
    chair_a: User
    coord_b: User
    chair_b: User
    coord_c: User
    rep_a: User  # police, invited to A's meeting
    rep_b: User  # police (serves A and B), invited to B's meeting
    meeting_a: Meeting
    meeting_b: Meeting
    case: Case
    other_case: Case


@pytest.fixture()
def tw(app: Flask, make_area, make_agency, make_user, make_meeting) -> TW:
    a, b, c = make_area(), make_area(), make_area()
    police = make_agency(areas=[a, b])
    coord_a = make_user(Role.COORDINATOR, agency=police, area=a, name="Cass Coordinator")
    chair_a = make_user(Role.CHAIR, agency=police, area=a)
    coord_b = make_user(Role.COORDINATOR, agency=police, area=b, email="coord.b@agency.example")
    chair_b = make_user(Role.CHAIR, agency=police, area=b)
    coord_c = make_user(Role.COORDINATOR, agency=police, area=c)
    rep_a = make_user(Role.AGENCY_REP, agency=police, area=a)
    rep_b = make_user(Role.AGENCY_REP, agency=police, area=b)
    made_a = make_meeting(a, chair=chair_a, invite=[rep_a], days=-7)
    made_b = make_meeting(b, chair=chair_b, invite=[rep_b], days=14)
    with app.app_context():
        sign_up_agency(db.session.get(Agency, police.id))
        if current_statement() is None:
            db.session.add(ConfidentialityStatement(version_number=1, text="Confidential."))
            db.session.flush()
        meeting = db.session.get(Meeting, made_a.id)
        assert meeting is not None
        police_row = db.session.get(Agency, police.id)
        chair = db.session.get(User, chair_a.id)
        case, item = listed_case(a.id, police.id, meeting.id, 1, VICTIM, prefix="TRA")
        other, other_item = listed_case(a.id, police.id, meeting.id, 2, OTHER_VICTIM, prefix="TRA")
        open_confidentiality_gate(meeting, chair_a.id, rep_a.id)
        for subject_item, kind, text in (
            (item, "fact", FACT),
            (item, "professional_opinion", OPINION),
            (other_item, "fact", OTHER_FACT),
        ):
            minutes.add_entry(
                subject_item,
                subject="victim",
                kind=kind,
                source_agency=police_row,
                text=f"<p>{text}</p>",
                actor=chair,
            )
        minutes.save_risk_summary(
            item,
            version=None,
            harm_identified=f"<p>{HARM}</p>",
            contributing_factors="<p>Separation</p>",
            protective_factors="<p>Family</p>",
            actor=chair,
        )
        due = today() + timedelta(days=7)
        for action_case, description, action_item in (
            (case, OPEN_ACTION, item),
            (case, DONE_ACTION, item),
            (other, OTHER_ACTION, other_item),
        ):
            create_action(
                action_case,
                owner_agency=police_row,
                description=description,
                due_date=due,
                priority="high",
                actor=chair,
                agenda_item=action_item,
            )
        done = db.session.scalars(
            db.select(ActionItem).where(ActionItem.description == DONE_ACTION)
        ).one()
        done.status = ActionStatus.COMPLETED
        minutes.approve(meeting, actor=chair)
        db.session.commit()
        for row in (case, other):
            db.session.refresh(row)
    return TW(
        a,
        b,
        c,
        police,
        coord_a,
        chair_a,
        coord_b,
        chair_b,
        coord_c,
        rep_a,
        rep_b,
        made_a,
        made_b,
        case,
        other,
    )
