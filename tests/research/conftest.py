"""The research returns world: area A with police (which also serves area B) and housing,
both signed up; area A's chair and coordinator; a police and a housing representative
invited to A's meeting (in 14 days, so before the return deadline); a second police
representative invited only to B's meeting; a case on each meeting's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from marac_app.agencies.models import Agency, MaracArea, ReturnVisibility
from marac_app.auth.models import Role, User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.referrals.models import AgendaItem, Case
from marac_app.referrals.people import Person, PersonRole
from tests.conftest import Auth
from tests.fixtures import listed_case

VICTIM = "Vera Victim"
VICTIM_ALIAS = "Vee Alias"
WITHHELD = "WITHHELD-MARK Held under a court order, not shared for that reason"


@dataclass
class ResearchWorld:
    area: MaracArea
    other_area: MaracArea
    police: Agency
    housing: Agency
    coordinator: User
    chair: User
    other_coordinator: User
    other_chair: User
    police_rep: User
    housing_rep: User
    uninvited_rep: User
    police_rep_b: User
    admin: User
    dpo: User
    meeting: Meeting
    meeting_b: Meeting
    case: Case
    item: AgendaItem
    case_b: Case
    item_b: AgendaItem

    def returns_url(self, meeting: Meeting | None = None) -> str:
        return f"/research/meetings/{(meeting or self.meeting).id}"

    def edit_url(self) -> str:
        return f"/research/meetings/{self.meeting.id}/cases/{self.case.id}/return"

    def view_url(self, agency: Agency) -> str:
        return f"/research/meetings/{self.meeting.id}/cases/{self.case.id}/agencies/{agency.id}"


@pytest.fixture()
def rw(
    app: Flask, make_area, make_agency, make_user, make_meeting, sign_up, statement
) -> ResearchWorld:
    area = make_area()
    other_area = make_area()
    police = make_agency(areas=[area, other_area])
    housing = make_agency(areas=[area])
    sign_up(police)
    sign_up(housing)
    coordinator = make_user(Role.COORDINATOR, agency=police, area=area, name="Cora Coord")
    chair = make_user(Role.CHAIR, agency=police, area=area, name="Charlie Chair")
    other_coordinator = make_user(Role.COORDINATOR, agency=police, area=other_area)
    other_chair = make_user(Role.CHAIR, agency=police, area=other_area)
    police_rep = make_user(Role.AGENCY_REP, agency=police, name="Priya Police")
    housing_rep = make_user(Role.AGENCY_REP, agency=housing, name="Hana Housing")
    uninvited_rep = make_user(Role.AGENCY_REP, agency=housing, name="Una Uninvited")
    police_rep_b = make_user(Role.AGENCY_REP, agency=police, name="Bea Police")
    admin = make_user(Role.ADMIN)
    dpo = make_user(Role.DPO)
    meeting = make_meeting(area, days=14, invite=[police_rep, housing_rep], chair=chair)
    meeting_b = make_meeting(other_area, days=14, invite=[police_rep_b], chair=other_chair)
    with app.app_context():
        case, item = listed_case(area.id, police.id, meeting.id, 0, VICTIM, prefix="RES")
        victim = (
            db.session.query(Person)
            .filter_by(referral_id=item.referral_id, role=PersonRole.VICTIM)
            .one()
        )
        victim.aliases = VICTIM_ALIAS
        victim.address = "12 SECRET-ADDRESS Road"
        case_b, item_b = listed_case(
            other_area.id, police.id, meeting_b.id, 0, "Bella Bvictim", prefix="RSB"
        )
        db.session.commit()
        for row in (case, item, case_b, item_b):
            db.session.refresh(row)
    return ResearchWorld(
        area,
        other_area,
        police,
        housing,
        coordinator,
        chair,
        other_coordinator,
        other_chair,
        police_rep,
        housing_rep,
        uninvited_rep,
        police_rep_b,
        admin,
        dpo,
        meeting,
        meeting_b,
        case,
        item,
        case_b,
        item_b,
    )


def set_visibility(app: Flask, area: MaracArea, visibility: ReturnVisibility) -> None:
    with app.app_context():
        db.session.get(MaracArea, area.id).return_visibility = visibility
        db.session.commit()


def move_meeting(app: Flask, meeting: Meeting, *, days: float) -> None:
    """Move the meeting to start ``days`` from now (negative: in the past)."""
    with app.app_context():
        row = db.session.get(Meeting, meeting.id)
        row.starts_at = utcnow() + timedelta(days=days)
        row.ends_at = row.starts_at + timedelta(hours=2)
        db.session.commit()


def return_data(
    *items: tuple[str, str, str],
    withheld: str = "",
    nothing_held: bool = False,
    version: str = "",
) -> dict[str, Any]:
    data: dict[str, Any] = {"version": version, "withheld": withheld}
    if nothing_held:
        data["nothing_held"] = "y"
    for n, (subject, kind, text) in enumerate(items):
        data[f"item_{n}_subject"] = subject
        data[f"item_{n}_kind"] = kind
        data[f"item_{n}_text"] = text
    return data


def submit_return(auth: Auth, rw: ResearchWorld, user: User, data: dict[str, Any]) -> Any:
    auth.sign_in_as(user)
    response = auth.post(rw.edit_url(), data)
    auth.sign_out()
    return response
