"""What a transfer carries about a case: its referral, the previous minutes extract (the case's
own section of each meeting's *approved* minutes: entries and risk summary) and its open
actions. Reads only, no audit: the views audit the read with the case ids.

Built from the minutes document of each meeting (``build_minutes_document``) and cut down to
this case's section, so what the receiving MARAC reads is exactly what the sending area's
restricted minutes print about the case, and nothing of another case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from marac_app.action_items.models import ActionStatus
from marac_app.action_items.services import actions_of_case
from marac_app.common.time import LONDON
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.builder import build_minutes_document
from marac_app.minutes.document import ActionLine, CaseSection
from marac_app.minutes.services import approval_of
from marac_app.referrals.models import AgendaItem, Case, Referral


@dataclass(frozen=True)
class Hearing:
    """The case's section of one meeting's approved minutes."""

    area_name: str
    meeting_date: date
    minutes_version: int
    section: CaseSection


@dataclass(frozen=True)
class CaseHistory:
    """What the receiving MARAC is given about ``case``."""

    case: Case
    referral: Referral | None
    hearings: tuple[Hearing, ...] = ()
    open_actions: tuple[ActionLine, ...] = field(default_factory=tuple)


def minutes_extract(case: Case) -> list[Hearing]:
    """The case's sections of the approved minutes of every meeting it was listed on, oldest
    first (meetings whose minutes are not approved are left out)."""
    meetings = db.session.scalars(
        sa.select(Meeting)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    hearings = []
    for meeting in meetings:
        approval = approval_of(meeting)
        if approval is None:
            continue
        document = build_minutes_document(meeting)
        for section in document.cases:
            if section.reference == case.reference:
                hearings.append(
                    Hearing(
                        area_name=meeting.area.name,
                        meeting_date=meeting.starts_at.astimezone(LONDON).date(),
                        minutes_version=approval.minutes_version,
                        section=section,
                    )
                )
    return hearings


def open_actions(case: Case) -> list[ActionLine]:
    """The case's actions still open, by due date (with their owner agency)."""
    return [
        ActionLine(
            case_reference=case.reference,
            agency=action.owner_agency.name,
            description=action.description,
            due_date=action.due_date,
            status=action.status.label,
            case_id=case.id,
        )
        for action in actions_of_case(case.id)
        if action.status == ActionStatus.OPEN
    ]


def case_history(case: Case) -> CaseHistory:
    return CaseHistory(
        case=case,
        referral=case.last_referral,
        hearings=tuple(minutes_extract(case)),
        open_actions=tuple(open_actions(case)),
    )
