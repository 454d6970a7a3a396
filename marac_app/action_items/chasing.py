"""Chasing actions to completion: each agency's reminder and the chair's pre-meeting digest.

What every email of this module says is counts only — how many actions are overdue, how many
are due within N days, per agency for the digest — and a sign-in link. Never a case
reference, a name, an address or the text of an action (tests/action_items/test_chasing.py
reads every message over SMTP). Agency names are not personal data.

- ``chase_agency``: one agency's email in one area, to its points of contact there (or, when it
  has none, its representatives in that area). Used by the daily job and by "Chase this
  agency now" (``chase_agency_now``: rate-limited, CHASE_AGAIN_AFTER_MINUTES).
- ``send_digests``: before each meeting (CHASE_DIGEST_DAYS_BEFORE days, default 2), the chair
  and the coordinator(s) of the area: outstanding actions by agency. Once per meeting.
- ``run_chase_job``: the scheduled daily job; at most one run per London day (a
  ``ScheduledJobRun`` row), so a scheduler firing twice sends once and a missed day is caught
  up by the next run once, not once per missed day. Audited as a run with counts.

Services flush, never commit; the CLI, the worker and the views commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from marac_app import mail
from marac_app.action_items.chasing_models import ActionChase, ChaseKind, PointOfContact
from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.agencies.models import Agency, MaracArea
from marac_app.agencies.queries import agencies_of_area
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON, format_long_date, london_day_bounds, london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.jobs.models import ScheduledJobRun
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.notifications.models import NotificationKind
from marac_app.notifications.services import notify, wants_email
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import Case
from marac_app.referrals.restriction import restricted_case_ids

logger = logging.getLogger(__name__)

JOB_NAME = "chase-actions"
DEFAULT_DUE_SOON_DAYS = 7
DEFAULT_DIGEST_DAYS_BEFORE = 2
DEFAULT_CHASE_AGAIN_AFTER_MINUTES = 10

CHASED_TOO_RECENTLY = (
    "This agency was chased less than {minutes} minutes ago. Wait before chasing it again"
)
NOTHING_TO_CHASE = "This agency has no overdue actions and none due soon: nothing was sent"
NO_RECIPIENTS = (
    "This agency has no point of contact or representative with an account in this area: "
    "name a point of contact first"
)


def due_soon_days() -> int:
    return int(current_app.config.get("CHASE_DUE_SOON_DAYS", DEFAULT_DUE_SOON_DAYS))


def digest_days_before() -> int:
    return int(current_app.config.get("CHASE_DIGEST_DAYS_BEFORE", DEFAULT_DIGEST_DAYS_BEFORE))


def chase_again_after() -> timedelta:
    minutes = current_app.config.get("CHASE_AGAIN_AFTER_MINUTES", DEFAULT_CHASE_AGAIN_AFTER_MINUTES)
    return timedelta(minutes=int(minutes))


# --- Points of contact -----------------------------------------------------------------


def points_of_contact(agency_id: int, area_id: int) -> list[User]:
    """The active users named as ``agency_id``'s points of contact in ``area_id``, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(PointOfContact, PointOfContact.user_id == User.id)
            .where(
                PointOfContact.agency_id == agency_id,
                PointOfContact.area_id == area_id,
                User.agency_id == agency_id,
                User.active.is_(True),
            )
            .order_by(User.name)
        )
    )


def eligible_contacts(agency_id: int, area_id: int) -> list[User]:
    """Who may be named: the agency's active representatives in ``area_id`` (their own area,
    or none when they work wherever the agency does)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.agency_id == agency_id,
                User.role == Role.AGENCY_REP,
                User.active.is_(True),
                sa.or_(User.area_id.is_(None), User.area_id == area_id),
            )
            .order_by(User.name)
        )
    )


def set_points_of_contact(
    agency: Agency, area: MaracArea, user_ids: list[int], *, actor: User
) -> list[User]:
    """Make exactly ``user_ids`` the points of contact of ``agency`` in ``area``.

    Refuses (ServiceError, field ``contacts``) an agency that does not serve the area and
    anyone who is not one of ``eligible_contacts``. Audited with counts only.
    """
    if area.id not in {a.id for a in agency.areas}:
        raise ServiceError(f"{agency.name} does not take part in this MARAC area")
    eligible = {u.id: u for u in eligible_contacts(agency.id, area.id)}
    wanted = set(user_ids)
    if not wanted <= eligible.keys():
        raise ServiceError(
            f"Choose points of contact from the representatives of {agency.name}",
            field="contacts",
        )
    current = {
        row.user_id: row
        for row in db.session.scalars(
            sa.select(PointOfContact).where(
                PointOfContact.agency_id == agency.id, PointOfContact.area_id == area.id
            )
        )
    }
    for user_id, row in current.items():
        if user_id not in wanted:
            db.session.delete(row)
    for user_id in sorted(wanted - current.keys()):
        db.session.add(
            PointOfContact(
                agency_id=agency.id, area_id=area.id, user_id=user_id, named_by_id=actor.id
            )
        )
    db.session.flush()
    record(
        AuditAction.POINTS_OF_CONTACT_CHANGED,
        actor=actor,
        object_type="agency",
        object_id=agency.id,
        detail=(
            f"area={area.id} added={len(wanted - current.keys())} "
            f"removed={len(current.keys() - wanted)}"
        ),
    )
    return [eligible[i] for i in sorted(wanted, key=lambda i: eligible[i].name)]


def chase_recipients(agency_id: int, area_id: int) -> list[User]:
    """The points of contact, or when there are none the agency's representatives in the area."""
    return points_of_contact(agency_id, area_id) or eligible_contacts(agency_id, area_id)


# --- Counts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyCounts:
    agency_id: int
    agency_name: str
    overdue: int
    due_soon: int

    @property
    def any(self) -> bool:
        return bool(self.overdue or self.due_soon)


def agency_counts(agency: Agency, area_id: int, today: date, days: int) -> AgencyCounts:
    """``agency``'s open actions in ``area_id`` (outside restricted cases): overdue (due
    before ``today``) and due from ``today`` to ``today + days``."""
    overdue, due_soon = db.session.execute(
        sa.select(
            sa.func.count().filter(ActionItem.due_date < today),
            sa.func.count().filter(
                ActionItem.due_date >= today, ActionItem.due_date <= today + timedelta(days)
            ),
        )
        .select_from(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .where(
            ActionItem.owner_agency_id == agency.id,
            Case.area_id == area_id,
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.case_id.not_in(restricted_case_ids()),
        )
    ).one()
    return AgencyCounts(agency.id, agency.name, overdue or 0, due_soon or 0)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _actions_link() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/actions/"


def agency_email_body(counts: AgencyCounts, area: MaracArea, days: int) -> tuple[str, str]:
    """The subject and text of an agency's chasing email: counts and a sign-in link only."""
    subject = f"MARAC actions for {counts.agency_name}: {counts.overdue} overdue"
    body = (
        f"MARAC actions owned by {counts.agency_name} in {area.name}:\n\n"
        f"- {_plural(counts.overdue, 'action is', 'actions are')} overdue\n"
        f"- {_plural(counts.due_soon, 'action is', 'actions are')} due in the next "
        f"{_plural(days, 'day', 'days')}\n\n"
        "Sign in to see your agency's actions and record progress or completion:\n"
        f"{_actions_link()}\n\n"
        "This email does not contain any case details. Do not reply to it.\n"
    )
    return subject, body


def _send(users: list[User], subject: str, body: str) -> int:
    for user in users:
        mail.send(mail.build_message(user.email, subject, body))
    return len(users)


def chase_agency(
    agency: Agency,
    area: MaracArea,
    *,
    today: date,
    actor: User | None,
    only_if_any: bool = True,
    now: datetime | None = None,
) -> ActionChase | None:
    """Email ``agency``'s chasing counts for ``area`` to ``chase_recipients`` and record it.

    Returns None (nothing sent) when there are no recipients, or — with ``only_if_any`` —
    nothing overdue or due soon. Audited (AGENCY_CHASED, counts only)."""
    days = due_soon_days()
    counts = agency_counts(agency, area.id, today, days)
    if only_if_any and not counts.any:
        return None
    recipients = chase_recipients(agency.id, area.id)
    if not recipients:
        return None
    subject, body = agency_email_body(counts, area, days)
    chase = ActionChase(
        kind=ChaseKind.AGENCY,
        area_id=area.id,
        agency_id=agency.id,
        run_on=today,
        sent_at=now or utcnow(),
        by_id=actor.id if actor else None,
        recipients=len(recipients),
        due_soon=counts.due_soon,
        overdue=counts.overdue,
    )
    db.session.add(chase)
    db.session.flush()
    record(
        AuditAction.AGENCY_CHASED,
        actor=actor,
        object_type="agency",
        object_id=agency.id,
        detail=(
            f"area={area.id} recipients={len(recipients)} overdue={counts.overdue} "
            f"due_soon={counts.due_soon} by={'coordinator' if actor else 'job'}"
        ),
    )
    for person in recipients:
        notify(
            person,
            NotificationKind.ACTIONS_DUE,
            "/actions/",
            f"Your agency's actions in {area.name}: {counts.overdue} overdue, "
            f"{counts.due_soon} due in the next {_plural(days, 'day', 'days')}",
            email=False,  # the chasing email below, for those who want it
        )
    _send([u for u in recipients if wants_email(u, NotificationKind.ACTIONS_DUE)], subject, body)
    logger.info("agency %s chased in area %s: %s recipients", agency.id, area.id, len(recipients))
    return chase


def last_chased(agency_id: int, area_id: int) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(ActionChase.sent_at)).where(
            ActionChase.kind == ChaseKind.AGENCY,
            ActionChase.agency_id == agency_id,
            ActionChase.area_id == area_id,
        )
    )


def chase_agency_now(
    agency: Agency,
    area: MaracArea,
    *,
    actor: User,
    now: datetime | None = None,
    today: date | None = None,
) -> ActionChase:
    """ "Chase this agency now" (the coordinator): the agency's email at once.

    Refuses (ServiceError) a second chase of the same agency and area within
    CHASE_AGAIN_AFTER_MINUTES (default 10) of the last — by the job or by hand — an agency
    with nothing overdue or due soon, and one with nobody to send to."""
    now = now or utcnow()
    last = last_chased(agency.id, area.id)
    wait = chase_again_after()
    if last is not None and now - last < wait:
        raise ServiceError(CHASED_TOO_RECENTLY.format(minutes=int(wait.total_seconds() // 60)))
    today = today or london_today()
    counts = agency_counts(agency, area.id, today, due_soon_days())
    if not counts.any:
        raise ServiceError(NOTHING_TO_CHASE)
    chase = chase_agency(agency, area, today=today, actor=actor, now=now)
    if chase is None:
        raise ServiceError(NO_RECIPIENTS)
    return chase


# --- The pre-meeting digest ---------------------------------------------------------------


def outstanding_by_agency(meeting: Meeting, today: date) -> list[tuple[str, int, int]]:
    """(agency name, open actions, of which overdue) for the open actions of the meeting's
    area agreed before it, by agency name: what the chair reviews first."""
    earlier = sa.select(Meeting.id).where(
        Meeting.area_id == meeting.area_id,
        Meeting.starts_at < meeting.starts_at,
        Meeting.id != meeting.id,
    )
    rows = db.session.execute(
        sa.select(
            Agency.name,
            sa.func.count(ActionItem.id),
            sa.func.count(ActionItem.id).filter(ActionItem.due_date < today),
        )
        .select_from(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .join(Agency, Agency.id == ActionItem.owner_agency_id)
        .where(
            Case.area_id == meeting.area_id,
            ActionItem.status == ActionStatus.OPEN,
            sa.or_(
                ActionItem.meeting_id.in_(earlier),
                sa.and_(
                    ActionItem.meeting_id.is_(None),
                    ActionItem.created_at < meeting.starts_at,
                ),
            ),
        )
        .group_by(Agency.name)
        .order_by(Agency.name)
    )
    return [(name, total, overdue) for name, total, overdue in rows]


def digest_recipients(meeting: Meeting) -> list[User]:
    """The meeting's chair and the area's coordinators (active), each once."""
    people = list(
        db.session.scalars(
            sa.select(User).where(
                User.area_id == meeting.area_id,
                User.role == Role.COORDINATOR,
                User.active.is_(True),
            )
        )
    )
    if meeting.chair is not None and meeting.chair.active:
        people.append(meeting.chair)
    unique = {user.id: user for user in people}
    return sorted(unique.values(), key=lambda u: u.name)


def digest_email_body(meeting: Meeting, rows: list[tuple[str, int, int]]) -> tuple[str, str]:
    """The subject and text of the digest: counts per agency name and a sign-in link."""
    day = format_long_date(meeting.starts_at.astimezone(LONDON).date())
    total = sum(r[1] for r in rows)
    subject = f"Outstanding MARAC actions before the meeting on {day}"
    lines = [
        f"Outstanding actions for the {meeting.area.name} MARAC meeting on {day}, by agency:",
        "",
    ]
    for name, count, overdue in rows:
        actions = _plural(count, "open action", "open actions")
        lines.append(f"- {name}: {actions}, {overdue} overdue")
    if not rows:
        lines.append("- No outstanding actions.")
    lines += [
        "",
        f"Total: {_plural(total, 'open action', 'open actions')}.",
        "",
        "Sign in to review them:",
        _actions_link(),
        "",
        "This email does not contain any case details. Do not reply to it.",
    ]
    return subject, "\n".join(lines) + "\n"


def send_digests(today: date, now: datetime | None = None) -> int:
    """Send the digest of every scheduled meeting starting from ``today`` to ``today + N``
    days (N = CHASE_DIGEST_DAYS_BEFORE) not sent one yet. Returns how many were sent."""
    start, _ = london_day_bounds(today)
    _, end = london_day_bounds(today + timedelta(days=digest_days_before()))
    already = sa.select(ActionChase.meeting_id).where(
        ActionChase.kind == ChaseKind.DIGEST, ActionChase.meeting_id.is_not(None)
    )
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at >= max(start, now or utcnow()),
            Meeting.starts_at < end,
            Meeting.id.not_in(already),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    sent = 0
    for meeting in meetings:
        recipients = digest_recipients(meeting)
        rows = outstanding_by_agency(meeting, today)
        db.session.add(
            ActionChase(
                kind=ChaseKind.DIGEST,
                area_id=meeting.area_id,
                meeting_id=meeting.id,
                run_on=today,
                sent_at=utcnow(),
                recipients=len(recipients),
                overdue=sum(r[2] for r in rows),
                due_soon=0,
            )
        )
        db.session.flush()
        if recipients:
            subject, body = digest_email_body(meeting, rows)
            _send(recipients, subject, body)
            sent += 1
    return sent


# --- The daily job ------------------------------------------------------------------------


@dataclass
class ChaseRun:
    run_on: date
    agencies_chased: int = 0
    emails: int = 0
    digests: int = 0
    missed_days: int = 0
    skipped: bool = False
    areas: list[int] = field(default_factory=list)


def run_chase_job(*, today: date | None = None, now: datetime | None = None) -> ChaseRun:
    """The daily "chase actions" job for ``today`` (default: today in London).

    Does nothing (``skipped``) when the job already ran for that day. Otherwise, for each
    active area and each active, signed-up agency serving it with something overdue or due
    within N days: one email (``chase_agency``); then the pre-meeting digests. A day missed
    since the last run is not replayed: this run covers it (counted in ``missed_days``).
    Audited as one ACTIONS_CHASE_RUN event with counts."""
    today = today or london_today()
    run = ChaseRun(run_on=today)
    previous = db.session.scalar(
        sa.select(sa.func.max(ScheduledJobRun.run_on)).where(ScheduledJobRun.job == JOB_NAME)
    )
    row = ScheduledJobRun(job=JOB_NAME, run_on=today, started_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Already run today (perhaps by another scheduler at the same moment).
        run.skipped = True
        return run
    if previous is not None and previous < today:
        run.missed_days = max(0, (today - previous).days - 1)
    areas = db.session.scalars(
        sa.select(MaracArea).where(MaracArea.active.is_(True)).order_by(MaracArea.id)
    ).all()
    for area in areas:
        run.areas.append(area.id)
        for agency in agencies_of_area(area.id):
            if signup_problem(agency) is not None:
                continue
            chase = chase_agency(agency, area, today=today, actor=None, now=now)
            if chase is not None:
                run.agencies_chased += 1
                run.emails += chase.recipients
    run.digests = send_digests(today, now)
    row.finished_at = utcnow()
    row.detail = (
        f"agencies={run.agencies_chased} emails={run.emails} digests={run.digests} "
        f"missed_days={run.missed_days}"
    )
    record(
        AuditAction.ACTIONS_CHASE_RUN,
        object_type="scheduled_job_run",
        object_id=row.id,
        detail=f"run_on={today.isoformat()} {row.detail}",
    )
    db.session.flush()
    logger.info("chase-actions for %s: %s", today.isoformat(), row.detail)
    return run
