"""Factories for the data-protection tests: an area with its staff and a DPO, and full cases
(referral with victim, perpetrator and child, heard at a meeting, with minutes, a risk
summary, an action with a status update, and a copy of the minutes issued to an agency)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem, ActionStatus, ActionStatusUpdate
from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.auth.models import Role, User
from marac_app.distribution.models import DocumentCopy, MasterKind, RenderedMaster
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.minutes.models import (
    EntryKind,
    MinuteEntry,
    MinuteEntryRevision,
    RiskSummary,
    Subject,
)
from marac_app.referrals import services as referral_services
from marac_app.referrals.models import AgendaItem, Case, CaseStatus, Criterion
from marac_app.referrals.people import Disability, Ethnicity, Gender, Sexuality

PERPETRATOR = "Zebedee Quarrington"
CHILD = "Tobias Quarrington-Lark"


@dataclass
class World:
    area: MaracArea
    agency: Agency
    coordinator: User
    chair: User
    rep: User
    dpo: User
    admin: User
    meeting: Meeting


@pytest.fixture()
def world(app: Flask, make_area, make_agency, make_user, sign_up) -> World:
    area = make_area()
    agency = make_agency(areas=[area], kind=AgencyKind.POLICE)
    sign_up(agency)
    rep = make_user(Role.AGENCY_REP, agency=agency, area=area)
    with app.app_context():
        starts = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
        meeting = Meeting(area_id=area.id, starts_at=starts, ends_at=starts + timedelta(hours=2))
        db.session.add(meeting)
        db.session.flush()
        db.session.add(Invitation(meeting_id=meeting.id, user_id=rep.id, agency_id=agency.id))
        db.session.commit()
        db.session.refresh(meeting)
    return World(
        area=area,
        agency=agency,
        coordinator=make_user(Role.COORDINATOR, area=area, agency=agency),
        chair=make_user(Role.CHAIR, area=area, agency=agency),
        rep=rep,
        dpo=make_user(Role.DPO),
        admin=make_user(Role.ADMIN),
        meeting=meeting,
    )


def referral_details(
    agency_id: int, victim: str, **extra: Any
) -> referral_services.ReferralDetails:
    return referral_services.ReferralDetails(
        referring_agency_id=agency_id,
        referrer_name="Rhiannon Referrer-Staff",
        referred_on=date(2026, 3, 1),
        criterion=Criterion.VISIBLE_HIGH_RISK,
        reasons=f"Strangulation by {PERPETRATOR} reported; victim frightened.",
        victim=referral_services.PersonDetails(
            full_name=victim,
            date_of_birth=date(1990, 3, 27),
            address="1 Safe Street",
            safe_phone="07700 900123",
            gender=Gender.FEMALE,
            sexuality=Sexuality.BISEXUAL,
            ethnicity=Ethnicity.BLACK,
            disability=Disability.NO,
            language="English",
        ),
        dash_answers={str(n): ("yes" if n <= 15 else "no") for n in range(1, 25)},
        perpetrators=[
            referral_services.PersonDetails(
                full_name=PERPETRATOR,
                date_of_birth=date(2009, 1, 2),
                relationship_to_victim="ex-partner",
            )
        ],
        children=[referral_services.PersonDetails(full_name=CHILD, date_of_birth=date(2018, 5, 6))],
        **extra,
    )


@pytest.fixture()
def make_heard_case(app: Flask) -> Callable[..., int]:
    """A full case in ``world``; returns its id. ``closed_on`` closes it."""

    def factory(
        world: World,
        *,
        victim: str = "Valerie Victimson",
        closed_on: date | None = None,
        heard: bool = True,
    ) -> int:
        with app.app_context():
            area = db.session.get(MaracArea, world.area.id)
            referral = referral_services.create_referral(
                area=area, details=referral_details(world.agency.id, victim), actor=None
            )
            case = referral.case
            if heard:
                meeting = db.session.get(Meeting, world.meeting.id)
                item = referral_services.allocate_to_meeting(referral, meeting, actor=None)
                _hearing(item, world, victim)
            if closed_on is not None:
                case.status = CaseStatus.CLOSED
                case.closed_on = closed_on
            db.session.commit()
            return case.id

    return factory


def _hearing(item: AgendaItem, world: World, victim: str) -> None:
    about_victim = MinuteEntry(
        agenda_item_id=item.id,
        subject=Subject.VICTIM,
        kind=EntryKind.VICTIMS_VIEW,
        source_agency_id=world.agency.id,
        author_id=world.rep.id,
        text_html=f"<p>{victim} wants to stay at home. She fears {PERPETRATOR}.</p>",
    )
    about_perpetrator = MinuteEntry(
        agenda_item_id=item.id,
        subject=Subject.PERPETRATOR,
        kind=EntryKind.FACT,
        source_agency_id=world.agency.id,
        author_id=world.rep.id,
        text_html=f"<p>{PERPETRATOR} has a conviction for assault.</p>",
    )
    db.session.add_all([about_victim, about_perpetrator])
    db.session.flush()
    db.session.add(
        MinuteEntryRevision(
            entry_id=about_perpetrator.id,
            previous_text_html="<p>Draft</p>",
            previous_kind=EntryKind.FACT,
            previous_subject=Subject.PERPETRATOR,
            previous_version=1,
        )
    )
    db.session.add(RiskSummary(agenda_item_id=item.id, harm_identified="<p>High</p>"))
    action = ActionItem(
        case_id=item.case_id,
        agenda_item_id=item.id,
        meeting_id=item.meeting_id,
        owner_agency_id=world.agency.id,
        description=f"Police to serve a notice on {PERPETRATOR}.",
        due_date=date(2026, 4, 1),
    )
    db.session.add(action)
    db.session.flush()
    db.session.add(
        ActionStatusUpdate(
            action_id=action.id,
            from_status=ActionStatus.OPEN,
            to_status=ActionStatus.COMPLETED,
            note="Served.",
            dated=date(2026, 3, 20),
        )
    )
    key = f"meeting:{item.meeting_id}:v1"
    master = db.session.scalar(sa.select(RenderedMaster).where(RenderedMaster.key == key))
    if master is None:
        master = RenderedMaster(
            key=key,
            kind=MasterKind.MINUTES,
            meeting_id=item.meeting_id,
            minutes_version=1,
            sha256="0" * 64,
            pdf=b"%PDF-1.7",
        )
        db.session.add(master)
        db.session.flush()
        db.session.add(
            DocumentCopy(
                master_id=master.id,
                meeting_id=item.meeting_id,
                kind=MasterKind.MINUTES,
                minutes_version=1,
                recipient_user_id=world.rep.id,
                recipient_name="Rory Recipient-Staff",
                recipient_agency=world.agency.name,
                recipient_agency_id=world.agency.id,
                issued_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC),
                copy_sha256="1" * 64,
            )
        )
    db.session.flush()


def orphans() -> list[str]:
    """Every foreign-key value in the database that points at no row."""
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            parent = fk.column.table.alias("parent")
            parent_col = parent.c[fk.column.name]
            child_col = fk.parent
            query = (
                sa.select(sa.func.count())
                .select_from(table)
                .outerjoin(parent, child_col == parent_col)
                .where(child_col.is_not(None), parent_col.is_(None))
            )
            count = db.session.scalar(query)
            if count:
                found.append(f"{table.name}.{child_col.name}: {count}")
    return found


def case_exists(case_id: int) -> bool:
    return db.session.get(Case, case_id) is not None
