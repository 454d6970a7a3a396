"""Who may see and write research returns. Fetch-then-authorise: load (404), check (404).

- An *invited representative* of a meeting holds a live invitation to it, has an active
  account, and belongs to an agency that takes part in the meeting's area and is signed up
  to the information-sharing protocol. Their agency's return for each case on the list is
  theirs to write and to read. One agency serving two areas: only the invitations of that
  area count, so its people in the other area see nothing of this one.
- The chair and the coordinator of the meeting's area read every return.
- Other invited agencies read another agency's return only when the area says every invited
  agency sees returns (``MaracArea.return_visibility``); otherwise it is 404.
- "Information held but not shared, and why" is read by the chair, the coordinator and the
  returning agency's own representatives only, whatever the setting (``can_see_withheld``).
- The case itself must be visible (``referrals.permissions.can_view_case``): a case under
  restriction of processing is seen by the area's coordinator only.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marac_app.agencies.models import Agency, ReturnVisibility, agency_areas
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.permissions import deny, fetch_or_404, mark_authorised
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.permissions import can_view_case


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def is_area_staff(user: User, meeting: Meeting) -> bool:
    """The chair or the coordinator of the meeting's area."""
    return (
        _active(user)
        and user.role in (Role.CHAIR, Role.COORDINATOR)
        and user.area_id is not None
        and user.area_id == meeting.area_id
    )


def is_coordinator(user: User, meeting: Meeting) -> bool:
    return is_area_staff(user, meeting) and user.role == Role.COORDINATOR


def agency_serves_area(agency_id: int | None, area_id: int) -> bool:
    if agency_id is None:
        return False
    found = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(agency_areas)
        .where(agency_areas.c.agency_id == agency_id, agency_areas.c.area_id == area_id)
    )
    return (found or 0) > 0


def is_invited_rep(user: User, meeting: Meeting) -> bool:
    """An invited representative of ``meeting`` (module docstring), checked on every request."""
    if not _active(user) or user.role != Role.AGENCY_REP or user.agency is None:
        return False
    if not user.agency.active or signup_problem(user.agency) is not None:
        return False
    if not agency_serves_area(user.agency_id, meeting.area_id):
        return False
    if user.area_id is not None and user.area_id != meeting.area_id:
        return False  # issue 15: only the area they are working in now
    invited = db.session.scalar(
        sa.select(sa.func.count()).where(
            Invitation.meeting_id == meeting.id,
            Invitation.user_id == user.id,
            Invitation.revoked_at.is_(None),
        )
    )
    return (invited or 0) > 0


def can_open_returns(user: User, meeting: Meeting) -> bool:
    """The meeting's research returns page: area staff and invited representatives."""
    return is_area_staff(user, meeting) or is_invited_rep(user, meeting)


def can_write_return(user: User, item: AgendaItem) -> bool:
    """Write their own agency's return for ``item``'s case: invited representatives who may
    see the case."""
    return is_invited_rep(user, item.meeting) and can_view_case(user, item.case)


@dataclass(frozen=True)
class ReturnAccess:
    """What one person may read of one case's returns, worked out once (``return_access``):
    the chair and coordinator every agency's; an invited representative their own agency's,
    and the others' where the area shares returns with every invited agency."""

    allowed: bool
    staff: bool = False
    agency_id: int | None = None
    everyone: bool = False

    def sees(self, agency_id: int) -> bool:
        if not self.allowed:
            return False
        return self.staff or self.agency_id == agency_id or self.everyone

    def sees_withheld(self, agency_id: int) -> bool:
        """ "Information held but not shared, and why": the chair, the coordinator and the
        returning agency's own representatives; nobody else in any setting."""
        return self.sees(agency_id) and (self.staff or self.agency_id == agency_id)


def return_access(user: User, item: AgendaItem) -> ReturnAccess:
    meeting = item.meeting
    if not can_view_case(user, item.case):
        return ReturnAccess(allowed=False)
    if is_area_staff(user, meeting):
        return ReturnAccess(allowed=True, staff=True)
    if not is_invited_rep(user, meeting):
        return ReturnAccess(allowed=False)
    return ReturnAccess(
        allowed=True,
        agency_id=user.agency_id,
        everyone=meeting.area.return_visibility == ReturnVisibility.INVITED_AGENCIES,
    )


def can_view_return(user: User, item: AgendaItem, agency_id: int) -> bool:
    """Read ``agency_id``'s return for ``item``'s case (module docstring)."""
    return return_access(user, item).sees(agency_id)


def can_see_withheld(user: User, item: AgendaItem, agency_id: int) -> bool:
    """ "Information held but not shared, and why" (``ReturnAccess.sees_withheld``)."""
    return return_access(user, item).sees_withheld(agency_id)


def can_manage_returns(user: User, meeting: Meeting) -> bool:
    """Circulate the list, remind an agency, reopen a late return: the area's coordinator."""
    return is_coordinator(user, meeting)


def can_make_entry(user: User, meeting: Meeting) -> bool:
    """Turn a returned item into a minute entry: the chair or the coordinator (minute-taker)."""
    return is_area_staff(user, meeting)


# --- Fetch-then-authorise ----------------------------------------------------------------


def get_returns_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda m: can_open_returns(user, m), kind="meeting"
    )


def get_managed_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda m: can_manage_returns(user, m), kind="meeting"
    )


def get_agenda_item_or_404(meeting: Meeting, case_id: int | None, user: User) -> AgendaItem:
    """``case_id``'s place on ``meeting``'s list (already authorised), when ``user`` may see
    the case; 404 otherwise (audited). Marks the case authorised."""
    item = (
        db.session.scalar(
            sa.select(AgendaItem).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case_id
            )
        )
        if case_id is not None
        else None
    )
    if item is None or not can_view_case(user, item.case):
        deny(
            f"agenda_item:meeting={meeting.id},case={case_id}",
            object_type="case",
            object_id=case_id,
        )
    mark_authorised("case", case_id)
    return item


def get_return_agency_or_404(item: AgendaItem, agency_id: int | None, user: User) -> Agency:
    """An agency whose return for ``item`` ``user`` may read; 404 (audited) otherwise."""
    return fetch_or_404(
        Agency,
        agency_id,
        allowed=lambda agency: (
            agency_serves_area(agency.id, item.meeting.area_id)
            and can_view_return(user, item, agency.id)
        ),
        kind="agency",
    )


def get_managed_agency_or_404(meeting: Meeting, agency_id: int | None, user: User) -> Agency:
    """An agency of the meeting's area the coordinator may remind or reopen."""
    return fetch_or_404(
        Agency,
        agency_id,
        allowed=lambda agency: (
            can_manage_returns(user, meeting) and agency_serves_area(agency.id, meeting.area_id)
        ),
        kind="agency",
    )
