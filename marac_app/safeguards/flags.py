"""Flag and tag: each agency's flag register, for 12 months from a case's last referral.

Agencies flag their files for 12 months from the victim's last referral (a further incident
within them is a repeat referral). An agency's register holds the cases it was involved in —
invited to a meeting where the case was on the agenda (the meeting has started), or owning
an action on it — whose flag has not lapsed. A flag lapses on the last referral's date plus
12 calendar months (a date: compared with today in Europe/London, so at 23:30 UTC on a
summer evening it is already the next day). On the lapse date itself the case has left the
register.

Cases under restriction of processing are left out, except for the coordinator of their
area. ``flags_lapsing`` counts what lapses soon for the monthly notice (counts only: the
email names no case, ``flask flags-lapsing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from marac_app.action_items.models import ActionItem
from marac_app.agencies.models import Agency, agency_areas
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.referrals.models import AgendaItem, Case, Referral
from marac_app.referrals.restriction import restricted_case_ids

FLAG_MONTHS = 12


def lapses_on(last_referral: date) -> date:
    """The day the flag lapses: 12 calendar months after the last referral (29 February
    gives 28 February)."""
    return last_referral + relativedelta(months=FLAG_MONTHS)


@dataclass(frozen=True)
class Flag:
    case_id: int
    reference: str
    last_referral_on: date
    lapses_on: date

    def days_left(self, today: date) -> int:
        return (self.lapses_on - today).days


def _involved_case_ids(agency_id: int) -> sa.CompoundSelect:
    invited = (
        sa.select(AgendaItem.case_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .where(Invitation.agency_id == agency_id, Meeting.starts_at <= utcnow())
    )
    owning = sa.select(ActionItem.case_id).where(ActionItem.owner_agency_id == agency_id)
    return sa.union(invited, owning)


def flag_register(
    agency: Agency,
    *,
    area_ids: Iterable[int] | None = None,
    include_restricted: bool = False,
    today: date | None = None,
) -> list[Flag]:
    """``agency``'s flags not yet lapsed (soonest to lapse first), in ``area_ids`` (default:
    every area the agency serves)."""
    today = today or london_today()
    if area_ids is None:
        areas = sa.select(agency_areas.c.area_id).where(agency_areas.c.agency_id == agency.id)
        in_areas = Case.area_id.in_(areas)
    else:
        in_areas = Case.area_id.in_(list(area_ids))
    last = sa.func.max(Referral.referred_on)
    query = (
        sa.select(Case.id, Case.reference, last)
        .join(Referral, Referral.case_id == Case.id)
        .where(Case.id.in_(_involved_case_ids(agency.id)), in_areas)
        .group_by(Case.id, Case.reference)
        # Lapsing a year after: only last referrals within 13 months can still be flagged.
        .having(last > today - timedelta(days=400))
    )
    if not include_restricted:
        query = query.where(Case.id.not_in(restricted_case_ids()))
    flags = [
        Flag(case_id=cid, reference=ref, last_referral_on=on, lapses_on=lapses_on(on))
        for cid, ref, on in db.session.execute(query)
    ]
    return sorted(
        (f for f in flags if f.lapses_on > today), key=lambda f: (f.lapses_on, f.reference)
    )


def flags_lapsing(agency: Agency, within_days: int, *, today: date | None = None) -> list[Flag]:
    """``agency``'s flags lapsing within ``within_days`` days from today (all its areas,
    restricted cases left out: the notice is for the agency's staff)."""
    today = today or london_today()
    until = today + timedelta(days=max(0, within_days))
    return [f for f in flag_register(agency, today=today) if f.lapses_on <= until]


def register_for(user: User, agency: Agency, *, today: date | None = None) -> list[Flag]:
    """The register ``user`` may see for ``agency``: a representative their own agency's in
    their area (or, without one, the areas it serves); a coordinator or chair any agency's
    in their own area (restricted cases for the coordinator only)."""
    if user.role == Role.AGENCY_REP:
        if user.agency_id != agency.id:
            return []
        areas = [user.area_id] if user.area_id is not None else None
        return flag_register(agency, area_ids=areas, today=today)
    if user.role in (Role.COORDINATOR, Role.CHAIR) and user.area_id is not None:
        return flag_register(
            agency,
            area_ids=[user.area_id],
            include_restricted=user.role == Role.COORDINATOR,
            today=today,
        )
    return []


@dataclass(frozen=True)
class MatchingFlag:
    agency_name: str
    lapses_on: date


def flags_for_case(case: Case | None, *, today: date | None = None) -> list[MatchingFlag]:
    """The agencies holding a live flag on ``case`` (for the coordinator deciding a repeat
    referral of a flagged person): agency names and lapse dates, nothing else."""
    if case is None or not case.referrals:
        return []
    today = today or london_today()
    last = max(r.referred_on for r in case.referrals)
    lapse = lapses_on(last)
    if lapse <= today:
        return []
    invited = (
        sa.select(Invitation.agency_id)
        .join(AgendaItem, AgendaItem.meeting_id == Invitation.meeting_id)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(AgendaItem.case_id == case.id, Meeting.starts_at <= utcnow())
    )
    owning = sa.select(ActionItem.owner_agency_id).where(ActionItem.case_id == case.id)
    names = db.session.scalars(
        sa.select(Agency.name)
        .where(sa.or_(Agency.id.in_(invited), Agency.id.in_(owning)))
        .order_by(Agency.name)
    )
    return [MatchingFlag(agency_name=name, lapses_on=lapse) for name in names]
