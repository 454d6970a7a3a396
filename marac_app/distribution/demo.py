"""The demo's complete past cycle (fictional; never used in production): a Cambridge meeting
four weeks ago whose research list went out and came back, that was held (statement read,
attendance, acknowledgements), minuted (facts and opinion apart, risk summaries, actions),
approved and distributed, with a stamped copy downloaded by the police representative; its
actions are completed, in progress and overdue. Everything goes through the real services,
so a newcomer sees each page of the cycle as it really looks.

Idempotent: does nothing when the meeting exists (found by its venue).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.action_items.progress import post_progress
from marac_app.action_items.services import update_status
from marac_app.agencies.models import Agency, MaracArea
from marac_app.attendance import services as attendance
from marac_app.attendance.models import AcknowledgementMethod, AttendanceStatus
from marac_app.auth.models import User
from marac_app.common.time import LONDON, london_today
from marac_app.distribution.recipients import issue_minutes_copy, save_recipients
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.minutes import services as minutes
from marac_app.minutes.approval import approve_checked
from marac_app.referrals import services as referrals
from marac_app.referrals.demo import IDVA, POLICE, _details
from marac_app.referrals.models import Criterion
from marac_app.research import services as research

VENUE = "Fenshire Police HQ, Room 2 (demo, last cycle)"
HOUSING = "Riverside Housing Association (demo)"
CASES = (("Eight", 16, date(1991, 4, 2)), ("Nine", 15, date(1986, 9, 17)))


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _agency(name: str) -> Agency | None:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def seed_cycle_demo() -> int:
    """Add the past cycle; 1 when added, 0 when it exists or the demo people are missing."""
    area = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == "CAM"))
    if area is None or db.session.scalar(sa.select(Meeting.id).where(Meeting.venue == VENUE)):
        return 0
    chair, coordinator = _user("chair@demo.example"), _user("coordinator@demo.example")
    police_rep, housing_rep = _user("police.rep@demo.example"), _user("housing.rep@demo.example")
    police, housing, idva = _agency(POLICE), _agency(HOUSING), _agency(IDVA)
    if None in (chair, coordinator, police_rep, housing_rep, police, housing, idva):
        return 0
    assert chair and coordinator and police_rep and housing_rep and police and housing and idva
    today = london_today()
    day = today - timedelta(weeks=4)
    starts = datetime.combine(day, time(10, 0), tzinfo=LONDON)
    meeting = Meeting(
        area_id=area.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        venue=VENUE,
        chair_id=chair.id,
    )
    db.session.add(meeting)
    db.session.flush()
    for rep in (police_rep, housing_rep):
        db.session.add(Invitation(meeting_id=meeting.id, user_id=rep.id, agency_id=rep.agency_id))
    items = []
    for number, yes, dob in CASES:
        referral = referrals.create_referral(
            area=area,
            details=_details(
                idva,
                number,
                day - timedelta(days=12),
                yes=yes,
                criterion=Criterion.VISIBLE_HIGH_RISK,
                dob=dob,
            ),
            actor=coordinator,
        )
        items.append(referrals.allocate_to_meeting(referral, meeting, coordinator))
    db.session.flush()
    first, second = items

    # Before the meeting: the research list went out; the police returned a fact, the
    # housing association had nothing on the first case.
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    research.circulate(meeting, actor=coordinator, link=f"{base}/research/")
    before = starts - timedelta(days=4)
    research.save_return(
        first,
        police,
        version=None,
        nothing_held=False,
        withheld=None,
        items=[
            research.ItemInput(
                subject="victim",
                kind="fact",
                text="<p>Three call-outs to the address since January; bail conditions apply.</p>",
            )
        ],
        actor=police_rep,
        now=before,
    )
    research.save_return(
        first,
        housing,
        version=None,
        nothing_held=True,
        withheld=None,
        items=[],
        actor=housing_rep,
        now=before,
    )

    # The meeting: statement read, both representatives present and acknowledged.
    attendance.mark_statement_read(
        meeting, shown_version=attendance.required_version(meeting), actor=chair
    )
    for rep in (police_rep, housing_rep):
        row = attendance.record_invitee_attendance(
            meeting, rep, status=AttendanceStatus.PRESENT, information_sent=None, actor=chair
        )
        attendance.acknowledge(
            meeting, actor=chair, attendance=row, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
    for item, fact, opinion in (
        (
            first,
            "<p>Police attended three times since January; the alleged perpetrator is on bail.</p>",
            "<p>The IDVA's view is that the risk is rising as the court date nears.</p>",
        ),
        (
            second,
            "<p>Housing confirmed the victim's tenancy and that the locks were not changed.</p>",
            "<p>Police judge that the risk of further assault is high.</p>",
        ),
    ):
        minutes.add_entry(
            item, subject="victim", kind="fact", source_agency=police, text=fact, actor=chair
        )
        minutes.add_entry(
            item,
            subject="victim",
            kind="professional_opinion",
            source_agency=idva,
            text=opinion,
            actor=chair,
        )
        minutes.save_risk_summary(
            item,
            version=None,
            harm_identified="Serious physical harm; threats to kill.",
            contributing_factors="Separation; court date approaching.",
            protective_factors="Engaged with the IDVA; supportive family.",
            actor=chair,
        )
    due = today + timedelta(days=7)
    done = minutes.agree_action(
        first,
        owner_agency=police,
        description="Add a warning marker to the address for a priority response.",
        due_date=due,
        priority="high",
        actor=chair,
    )
    moving = minutes.agree_action(
        first,
        owner_agency=housing,
        description="Fit additional locks and a door chain at the property.",
        due_date=due,
        priority="high",
        actor=chair,
    )
    late = minutes.agree_action(
        second,
        owner_agency=housing,
        description="Offer a management move to another property.",
        due_date=due,
        priority="medium",
        actor=chair,
    )
    db.session.flush()
    # Agreed four weeks ago: due two weeks after the meeting (so one is overdue now).
    db.session.execute(
        sa.update(ActionItem)
        .where(ActionItem.id.in_([done.id, moving.id, late.id]))
        .values(due_date=day + timedelta(days=14))
    )
    db.session.expire_all()

    # Approved and distributed; the police representative downloaded their stamped copy.
    approve_checked(meeting, confirmed=True, reasons={}, actor=chair)
    save_recipients(meeting, [police_rep.id, housing_rep.id], actor=coordinator)
    issue_minutes_copy(meeting, police_rep, actor=police_rep, ip=None)

    # Since: the police marker done, the locks in progress, the move overdue.
    for action in (done, moving):
        db.session.refresh(action)
    update_status(
        done,
        status=ActionStatus.COMPLETED,
        note="Warning marker added to the address.",
        dated=day + timedelta(days=3),
        version=done.version,
        actor=police_rep,
    )
    post_progress(
        moving,
        note="Visited the property; waiting for the locksmith.",
        dated=day + timedelta(days=9),
        version=moving.version,
        actor=housing_rep,
        today=today,
    )
    db.session.flush()
    return 1
