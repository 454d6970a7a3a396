"""The world the refused-form table (test_service_refusals_http.py) posts into, and the
setups its rows need: one area with two signed-up agencies (police, housing), an agency of the
area that has not signed, one of another area, a user in each role, a meeting a week ahead with
a listed case (referral, victim "Vera Victim", perpetrator, child)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem
from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import Role, User
from marac_app.auth.services import issue_set_password_token
from marac_app.common.time import london_today
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import services as minutes
from marac_app.privacy import services as privacy
from marac_app.privacy.models import SubjectRequest, SubjectRight, SubjectRole
from marac_app.protocol.models import ProtocolSignature
from marac_app.protocol.services import current_protocol, signup_problem
from marac_app.referrals.models import AgendaItem, Case, Referral
from tests.fixtures import listed_case, open_confidentiality_gate
from tests.privacy.access_helpers import attach_role


@dataclass
class World:
    area: MaracArea
    police: Agency
    housing: Agency
    admin: User
    coordinator: User
    chair: User
    rep: User
    meeting: Meeting
    case: Case
    item: AgendaItem
    statement_text: str
    unsigned: Agency  # takes part in the area, not signed up to the protocol
    outsider: Agency  # of another area
    dpo: User
    made: dict[str, int] = field(default_factory=dict)  # ids a row's setup made

    def user(self, role: str) -> User:
        return getattr(self, role)


@pytest.fixture()
def world(app: Flask, make_area, make_agency, make_user, make_meeting, sign_up, statement) -> World:
    area = make_area(name="Refusal area", code="REF")
    police = make_agency(name="Refusal Police", areas=[area])
    housing = make_agency(name="Refusal Housing", areas=[area])
    sign_up(police)
    sign_up(housing)
    admin = make_user(Role.ADMIN)
    coordinator = make_user(Role.COORDINATOR, agency=police, area=area)
    chair = make_user(Role.CHAIR, agency=police, area=area)
    rep = make_user(Role.AGENCY_REP, agency=police, name="Priya Police")
    unsigned = make_agency(name="Refusal Unsigned", areas=[area])
    outsider = make_agency(name="Refusal Outsider")
    meeting = make_meeting(area, days=7, invite=[rep], chair=chair)
    with app.app_context():
        case, item = listed_case(area.id, police.id, meeting.id, 1, "Vera Victim", prefix="REF")
        db.session.commit()
        db.session.refresh(case)
        db.session.refresh(item)
    return World(
        area,
        police,
        housing,
        admin,
        coordinator,
        chair,
        rep,
        meeting,
        case,
        item,
        statement.text,
        unsigned,
        outsider,
        make_user(Role.DPO),
    )


def date_boxes(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def police_signature(app: Flask, w: World) -> ProtocolSignature:
    with app.app_context():
        row = db.session.scalar(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == w.police.id)
        )
        assert row is not None
        return row


def signed_soon(w: World, app: Flask) -> None:
    """The police signature dated in the future (so a withdrawal today is before it)."""
    with app.app_context():
        row = db.session.merge(police_signature(app, w))
        row.signed_on = SOON
        db.session.commit()


def open_gate(w: World, app: Flask) -> None:
    """The meeting's confidentiality gate opened: statement read, the rep present and
    acknowledged (``tests.fixtures.open_confidentiality_gate``, committed)."""
    with app.app_context():
        open_confidentiality_gate(db.session.get(Meeting, w.meeting.id), w.chair.id, w.rep.id)
        db.session.commit()


PAST = london_today() - timedelta(days=1)


SOON = london_today() + timedelta(days=14)


def an_action(w: World, app: Flask) -> None:
    """An open action of the case, agreed at the meeting (its id in ``w.made["action"]``)."""
    with app.app_context():
        action = ActionItem(
            case_id=w.case.id,
            meeting_id=w.meeting.id,
            agenda_item_id=w.item.id,
            owner_agency_id=w.police.id,
            description="Fit a door alarm",
            due_date=SOON,
        )
        db.session.add(action)
        db.session.commit()
        w.made["action"] = action.id


def action_version(w: World, app: Flask) -> str:
    with app.app_context():
        action = db.session.get(ActionItem, w.made["action"])
        assert action is not None
        return str(action.version)


def a_request(right: SubjectRight, *, attach: bool = True) -> Callable[[World, Flask], None]:
    """A request from Vera Victim (``w.made["request"]``), her case attached in her role
    unless not ``attach``."""

    def setup(w: World, app: Flask) -> None:
        with app.app_context():
            dpo = db.session.get(User, w.dpo.id)
            saved = privacy.log_request(
                privacy.NewRequest("Vera Victim", None, right, PAST, None, []), actor=dpo
            )
            db.session.commit()
            w.made["request"] = saved.id
        if attach:
            attach_role(app, saved.id, SubjectRole.VICTIM)

    return setup


def request_version(w: World, app: Flask) -> str:
    with app.app_context():
        found = db.session.get(SubjectRequest, w.made["request"])
        assert found is not None
        return str(found.version)


def current_protocol_id(app: Flask) -> str:
    with app.app_context():
        version = current_protocol()
        assert version is not None
        return str(version.id)


def set_password_link(w: World, app: Flask) -> None:
    with app.app_context():
        user = db.session.get(User, w.rep.id)
        w.made["token"] = issue_set_password_token(user, actor=None, hours=1)  # type: ignore
        db.session.commit()


def approved_entry(w: World, app: Flask) -> None:
    an_entry(w, app, approved=True)


ENTRY = "<p>Police attended on 3 January.</p>"


def an_entry(w: World, app: Flask, *, approved: bool = False) -> None:
    """An entry in the case's minutes (``w.made["entry"]``), the minutes approved or not."""
    open_gate(w, app)
    with app.app_context():
        item = db.session.get(AgendaItem, w.item.id)
        chair = db.session.get(User, w.chair.id)
        police = db.session.get(Agency, w.police.id)
        entry = minutes.add_entry(
            item, subject="victim", kind="fact", source_agency=police, text=ENTRY, actor=chair
        )
        if approved:
            minutes.approve(item.meeting, actor=chair)
        db.session.commit()
        w.made["entry"] = entry.id
        w.made["entry_version"] = entry.version


def referral_version(w: World, app: Flask) -> str:
    with app.app_context():
        referral = db.session.get(Referral, w.item.referral_id)
        assert referral is not None
        return str(referral.version)


def saved_risk_summary_approved(w: World, app: Flask) -> None:
    open_gate(w, app)
    with app.app_context():
        item = db.session.get(AgendaItem, w.item.id)
        chair = db.session.get(User, w.chair.id)
        minutes.save_risk_summary(
            item,
            version=None,
            harm_identified=HARM,
            contributing_factors=None,
            protective_factors=None,
            actor=chair,
        )
        minutes.approve(item.meeting, actor=chair)
        db.session.commit()


HARM = "<p>Stalking after separation</p>"


def entry_under_review(w: World, app: Flask) -> None:
    """A minute entry about Vera Victim, and her access request with her case attached."""
    an_entry(w, app)
    a_request(SubjectRight.ACCESS)(w, app)


def unsigned_problem(w: World, app: Flask) -> str:
    with app.app_context():
        problem = signup_problem(db.session.get(Agency, w.unsigned.id))
        assert problem
        return problem
