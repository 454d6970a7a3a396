"""Who may see and change cases and referrals. Fetch-then-authorise: load (404), check (404).

- Coordinators and chairs see the cases of their own area; only the coordinator changes them.
- Agency representatives see a case only while it is on the case list (agenda) of a meeting to
  which they hold a live invitation. New representatives therefore inherit no historic cases.
- Admins and the DPO see no cases here.
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.meetings.permissions import can_view_meeting
from marac_app.permissions import fetch_or_404
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import AgendaItem, Case, Referral
from marac_app.referrals.restriction import is_restricted, restricted_case_ids


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def invited_case_ids(user: User) -> sa.Select:
    """``select(case_id)`` of the cases on the agenda of a meeting to which ``user`` holds a
    live invitation: what a representative may see (``visible_cases_query``) and the cases
    whose actions they may see (marac_app/action_items/permissions.py). For a user with an
    area, only meetings of the area they are working in now count (issue 15)."""
    query = (
        sa.select(AgendaItem.case_id)
        .join(Invitation, Invitation.meeting_id == AgendaItem.meeting_id)
        .where(Invitation.user_id == user.id, Invitation.revoked_at.is_(None))
    )
    if user.area_id is not None:
        query = query.join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
            Meeting.area_id == user.area_id
        )
    return query


def _rep_signed_up(user: User) -> bool:
    """A representative whose agency has withdrawn from (or not re-signed) the ISP sees no
    case, from the very next request."""

    return signup_problem(user.agency) is None


def can_view_case(user: User, case: Case) -> bool:
    """Area staff see their area's cases; invited reps see cases on their meetings' agendas.
    A case under restriction of processing is seen only by the coordinator of its area (and
    the DPO through the privacy pages)."""

    if not _active(user):
        return False
    if is_restricted(case.id):
        return user.role == Role.COORDINATOR and user.area_id == case.area_id
    if user.role in (Role.COORDINATOR, Role.CHAIR):
        return user.area_id is not None and user.area_id == case.area_id
    if user.role == Role.AGENCY_REP:
        if not _rep_signed_up(user):
            return False
        return (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(
                    invited_case_ids(user).where(AgendaItem.case_id == case.id).subquery()
                )
            )
            or 0
        ) > 0
    return False


def can_manage_cases(user: User, area_id: int | None) -> bool:
    """Record referrals, decide repeats, allocate to meetings: the area's coordinator."""
    return (
        _active(user)
        and user.role == Role.COORDINATOR
        and user.area_id is not None
        and user.area_id == area_id
    )


def can_record_referral(user: User) -> bool:
    """Record a new referral (in their own area): coordinators."""
    return _active(user) and user.role == Role.COORDINATOR


def can_see_full_contact_details(user: User, case: Case) -> bool:
    """Address and safe contact details: coordinator and chair of the area only (need to know)."""
    return (
        _active(user)
        and user.role in (Role.COORDINATOR, Role.CHAIR)
        and user.area_id == case.area_id
    )


def visible_cases_query(user: User) -> sa.Select:
    """``select(Case)`` restricted to the cases ``user`` may see (empty for other roles).

    Restricted cases are left out for everyone but the coordinator of their area."""

    query = sa.select(Case)
    if not _active(user):
        return query.where(sa.false())
    if user.role == Role.COORDINATOR and user.area_id is not None:
        return query.where(Case.area_id == user.area_id)
    unrestricted = Case.id.not_in(restricted_case_ids())
    if user.role == Role.CHAIR and user.area_id is not None:
        return query.where(Case.area_id == user.area_id, unrestricted)
    if user.role == Role.AGENCY_REP and _rep_signed_up(user):
        return query.where(Case.id.in_(invited_case_ids(user)), unrestricted)
    return query.where(sa.false())


def can_see_meeting_case_list(user: User, meeting: Meeting) -> bool:
    """The case list of a meeting (with restricted cases and those awaiting allocation):
    the coordinator and chairs of its area, not the invited representatives."""
    return user.role in (Role.COORDINATOR, Role.CHAIR) and can_view_meeting(user, meeting)


def can_allocate_to_meeting(user: User, meeting: Meeting) -> bool:
    """Put referrals on a meeting's case list: the coordinator of its area."""
    return can_view_meeting(user, meeting) and can_manage_cases(user, meeting.area_id)


def get_case_or_404(case_id: int | None, user: User) -> Case:
    """The case if ``user`` may see it; otherwise 404 (audited as denied)."""
    return fetch_or_404(Case, case_id, allowed=lambda case: can_view_case(user, case), kind="case")


def get_referral_to_manage_or_404(referral_id: int | None, user: User) -> Referral:
    """A referral the coordinator of its area may act on (decide a repeat); 404 otherwise."""
    return fetch_or_404(
        Referral,
        referral_id,
        allowed=lambda referral: can_manage_cases(user, referral.area_id),
        kind="referral",
    )


def get_agenda_item_to_manage_or_404(item_id: int | None, user: User) -> AgendaItem:
    """A case-list entry the coordinator of the meeting's area may move or remove."""
    return fetch_or_404(
        AgendaItem,
        item_id,
        allowed=lambda item: can_manage_cases(user, item.meeting.area_id),
        kind="agenda_item",
    )


def get_meeting_case_list_or_404(meeting_id: int | None, user: User) -> Meeting:
    """A meeting whose full case list ``user`` may see (``can_see_meeting_case_list``)."""
    return fetch_or_404(
        Meeting,
        meeting_id,
        allowed=lambda meeting: can_see_meeting_case_list(user, meeting),
        kind="meeting",
    )


def get_meeting_to_allocate_or_404(meeting_id: int | None, user: User) -> Meeting:
    """A meeting ``user`` may allocate referrals to (``can_allocate_to_meeting``)."""
    return fetch_or_404(
        Meeting,
        meeting_id,
        allowed=lambda meeting: can_allocate_to_meeting(user, meeting),
        kind="meeting",
    )
