"""Fictional demo data for development and the browser tests. Never used in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from marac_app.action_items.demo import seed_actions_demo
from marac_app.admin import services as agency_services
from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.auth import passwords
from marac_app.auth.models import Role, User
from marac_app.auth.services import UserDetails, create_user
from marac_app.db import utcnow
from marac_app.distribution.demo import seed_cycle_demo
from marac_app.extensions import db
from marac_app.privacy.demo import seed_privacy_demo
from marac_app.referrals.demo import seed_referrals_demo
from marac_app.reports.demo import seed_reports_demo

DEMO_AREAS = [("Cambridge", "CAM"), ("Peterborough", "PBO"), ("Fenland", "FEN")]

DEMO_AGENCIES: list[tuple[str, AgencyKind, list[str]]] = [
    ("Fenshire Constabulary (demo)", AgencyKind.POLICE, ["CAM", "PBO", "FEN"]),
    ("Fenshire IDVA Service (demo)", AgencyKind.IDVA, ["CAM", "PBO", "FEN"]),
    (
        "Fenshire Children's Social Care (demo)",
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        ["CAM", "PBO", "FEN"],
    ),
    ("Riverside Housing Association (demo)", AgencyKind.HOUSING, ["CAM", "FEN"]),
    ("Fenshire Probation Service (demo)", AgencyKind.PROBATION, ["CAM", "PBO", "FEN"]),
    ("Fenshire Community Health (demo)", AgencyKind.PRIMARY_CARE, ["CAM", "PBO"]),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    job_title: str
    role: Role
    agency: str | None
    area: str | None
    password: str


DEMO_USERS = [
    DemoUser(
        "admin@demo.example",
        "Ada Demo-Admin",
        "System administrator",
        Role.ADMIN,
        None,
        None,
        "lantern orchard pebble",
    ),
    DemoUser(
        "coordinator@demo.example",
        "Cora Demo-Coordinator",
        "MARAC coordinator",
        Role.COORDINATOR,
        "Fenshire IDVA Service (demo)",
        "CAM",
        "violet kettle harbour",
    ),
    DemoUser(
        "chair@demo.example",
        "Charles Demo-Chair",
        "Detective Inspector",
        Role.CHAIR,
        "Fenshire Constabulary (demo)",
        "CAM",
        "copper meadow lantern",
    ),
    DemoUser(
        "housing.rep@demo.example",
        "Hana Demo-Housing",
        "Tenancy sustainment officer",
        Role.AGENCY_REP,
        "Riverside Housing Association (demo)",
        "CAM",
        "saffron tunnel beacon",
    ),
    DemoUser(
        "police.rep@demo.example",
        "Priya Demo-Police",
        "Safeguarding officer",
        Role.AGENCY_REP,
        "Fenshire Constabulary (demo)",
        "CAM",
        "marble falcon ribbon",
    ),
    # Fenshire Community Health has not signed the protocol in the demo: invitations to this
    # person are refused with the reason.
    DemoUser(
        "health.rep@demo.example",
        "Hugo Demo-Health",
        "Safeguarding nurse",
        Role.AGENCY_REP,
        "Fenshire Community Health (demo)",
        "CAM",
        "quartz willow anchor",
    ),
    DemoUser(
        "dpo@demo.example",
        "Dana Demo-DPO",
        "Data Protection Officer",
        Role.DPO,
        None,
        None,
        "amber signal thistle",
    ),
]

# Agencies left out of the demo protocol signatures (to show a refusal).
DEMO_UNSIGNED_AGENCIES = {"Fenshire Community Health (demo)"}


def seed_demo() -> int:
    """Create whatever demo records are missing; return how many were added."""
    added = 0
    areas: dict[str, MaracArea] = {}
    for name, code in DEMO_AREAS:
        area = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == code))
        if area is None:
            area = agency_services.save_area(name=name, code=code, active=True, actor=None)
            added += 1
        areas[code] = area
    agencies: dict[str, Agency] = {}
    for name, kind, codes in DEMO_AGENCIES:
        agency = db.session.scalar(sa.select(Agency).where(Agency.name == name))
        if agency is None:
            agency = agency_services.save_agency(
                name=name,
                kind=kind,
                area_ids=[areas[c].id for c in codes],
                active=True,
                actor=None,
            )
            added += 1
        agencies[name] = agency
    for person in DEMO_USERS:
        if db.session.scalar(sa.select(User).where(User.email == person.email)) is not None:
            continue
        user = create_user(
            UserDetails(
                email=person.email,
                name=person.name,
                job_title=person.job_title,
                role=person.role,
                agency_id=agencies[person.agency].id if person.agency else None,
                area_id=areas[person.area].id if person.area else None,
            ),
            actor=None,
        )
        # Demo passwords are fixed and published, so they skip the policy check on purpose.
        user.password_hash = passwords.hash_password(person.password)
        user.password_changed_at = utcnow()
        added += 1
    db.session.flush()
    added += _seed_protocol_and_meetings(areas["CAM"], agencies)
    # Feature demo seeds (each idempotent) are called here, in dependency order.
    added += seed_referrals_demo()
    added += seed_privacy_demo()
    added += seed_actions_demo()  # last: needs cases, agencies and signatures
    added += seed_reports_demo()
    added += seed_cycle_demo()  # a whole past cycle: research, meeting, minutes, copies
    return added


def _live_today(starts: datetime, ends: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Today's demo meeting is on whatever the hour of seeding: 10:00 to 13:00 when seeded
    before 13:00, else from the start of the current hour for three hours (ending by 23:59,
    and never before a quarter of an hour from now)."""
    if now < ends - timedelta(minutes=15):
        return starts, ends
    hour = now.replace(minute=0, second=0, microsecond=0)
    midnight = hour.replace(hour=23, minute=59)
    return hour, max(min(hour + timedelta(hours=3), midnight), now + timedelta(minutes=15))


def _seed_protocol_and_meetings(area: MaracArea, agencies: dict[str, Agency]) -> int:
    """Protocol version 1 signed by every demo agency but one, and three Cambridge meetings
    (today, in four weeks, in eight weeks) to which the demo representatives are invited."""
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from marac_app.meetings.models import Invitation, Meeting
    from marac_app.protocol.models import ProtocolSignature, ProtocolVersion

    added = 0
    version = db.session.scalar(
        sa.select(ProtocolVersion).where(ProtocolVersion.version_label == "1")
    )
    if version is None:
        version = ProtocolVersion(
            title="Fenshire Domestic Abuse Information Sharing Protocol (demo)",
            version_label="1",
            effective_date=date(2026, 1, 1),
            grace_days=30,
            text=(
                "Agencies that sign this protocol agree to share information about victims "
                "of domestic abuse at high risk, and their children, with the MARAC, and to "
                "keep what is shared confidential to the agencies that have signed it."
            ),
        )
        db.session.add(version)
        db.session.flush()
        added += 1
    for name, agency in agencies.items():
        if name in DEMO_UNSIGNED_AGENCIES:
            continue
        exists = db.session.scalar(
            sa.select(ProtocolSignature.id).where(
                ProtocolSignature.agency_id == agency.id,
                ProtocolSignature.protocol_version_id == version.id,
            )
        )
        if exists is None:
            db.session.add(
                ProtocolSignature(
                    agency_id=agency.id,
                    protocol_version_id=version.id,
                    signatory_name="A. Demo-Signatory",
                    signatory_job_title="Head of Safeguarding",
                    signed_on=date(2026, 1, 15),
                    review_due_on=date(2027, 1, 15),
                )
            )
            added += 1
    if db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(Meeting.area_id == area.id)):
        db.session.flush()
        return added
    london = ZoneInfo("Europe/London")
    chair = db.session.scalar(sa.select(User).where(User.email == "chair@demo.example"))
    reps = list(
        db.session.scalars(
            sa.select(User).where(
                User.email.in_(["police.rep@demo.example", "housing.rep@demo.example"])
            )
        )
    )
    today = utcnow().astimezone(london).date()
    # The three meetings are one series: every 4 weeks on today's weekday, 10:00 UK time.
    from marac_app.meetings.models import MeetingSeries
    from marac_app.meetings.recurrence import WEEKDAY_CODES

    series = MeetingSeries(
        area_id=area.id,
        first_starts_at=datetime.combine(today, time(10, 0), tzinfo=london),
        rrule=f"FREQ=WEEKLY;INTERVAL=4;BYDAY={WEEKDAY_CODES[today.weekday()]};COUNT=3",
        duration_minutes=180,
        venue="Fenshire Police HQ, Room 2 (demo)",
        chair_id=chair.id if chair else None,
    )
    db.session.add(series)
    db.session.flush()
    for weeks in (0, 4, 8):
        day = today + timedelta(weeks=weeks)
        starts = datetime.combine(day, time(10, 0), tzinfo=london)
        ends = starts + timedelta(hours=3)
        if weeks == 0:
            starts, ends = _live_today(starts, ends, utcnow().astimezone(london))
        meeting = Meeting(
            area_id=area.id,
            starts_at=starts,
            ends_at=ends,
            venue="Fenshire Police HQ, Room 2 (demo)",
            series_id=series.id,
            chair_id=chair.id if chair else None,
        )
        db.session.add(meeting)
        db.session.flush()
        for rep in reps:
            db.session.add(
                Invitation(meeting_id=meeting.id, user_id=rep.id, agency_id=rep.agency_id)
            )
        added += 1
    db.session.flush()
    return added
