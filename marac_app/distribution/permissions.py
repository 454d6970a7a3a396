"""Who may distribute and download the minutes. Fetch-then-authorise: load (404), check (404).

- The coordinator of the meeting's area picks the recipients.
- The coordinator and chairs of the area see who holds a copy and may take their own copy.
- A recipient downloads their own stamped copy while they are a live recipient, their agency
  is signed up and the minutes are approved; anyone else gets 404 (audited as denied).

``meeting_panel(user, meeting)`` answers the same questions for the meeting page's panel, so
the links it shows are exactly the pages that will open.
"""

from __future__ import annotations

from dataclasses import dataclass

from marac_app.agencies.models import Agency
from marac_app.auth.models import Role, User
from marac_app.distribution.copies import approved_version
from marac_app.distribution.recipients import (
    extract_access_problem,
    minutes_access_problem,
    oversees_area,
)
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.meetings.permissions import can_manage_meeting, is_invited
from marac_app.permissions import fetch_or_404, mark_authorised


def can_pick_recipients(user: User, meeting: Meeting) -> bool:
    """The coordinator of the meeting's area, with an active account."""
    return bool(user.active and can_manage_meeting(user, meeting))


def can_download_minutes(user: User, meeting: Meeting) -> bool:
    return minutes_access_problem(meeting, user) is None


def can_download_extract(user: User, meeting: Meeting, agency: Agency) -> bool:
    return extract_access_problem(meeting, agency, user) is None


def get_recipients_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    """The meeting when ``user`` is the coordinator of its area."""
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda m: can_pick_recipients(user, m), kind="meeting"
    )


def get_overseen_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    """The meeting when ``user`` is the coordinator or a chair of its area."""
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda m: oversees_area(user, m), kind="meeting"
    )


def get_downloadable_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    """The meeting when ``user`` may download its minutes now (else 404, audited)."""
    return fetch_or_404(
        Meeting, meeting_id, allowed=lambda m: can_download_minutes(user, m), kind="meeting"
    )


def get_extract_or_404(
    meeting_id: int | None, agency_id: int | None, user: User
) -> tuple[Meeting, Agency]:
    """The meeting and agency when ``user`` may download that agency's action extract.

    A missing agency is refused like a meeting the user may not use (404, audited)."""
    agency = db.session.get(Agency, agency_id) if agency_id is not None else None
    meeting = fetch_or_404(
        Meeting,
        meeting_id,
        allowed=lambda m: agency is not None and can_download_extract(user, m, agency),
        kind="meeting",
    )
    assert agency is not None  # noqa: S101 - a missing agency was refused just above
    mark_authorised("agency", agency.id)
    return meeting, agency


@dataclass(frozen=True)
class MeetingPanel:
    """What the meeting page's distribution panel offers the signed-in user (no names)."""

    approved: bool = False
    manage: bool = False
    oversee: bool = False
    download: bool = False
    extract_agency_id: int | None = None

    @property
    def show(self) -> bool:
        return bool(self.oversee or self.download or self.extract_agency_id)


def meeting_panel(user: User, meeting: Meeting) -> MeetingPanel:
    """The links of the distribution panel ``user`` may follow on ``meeting``'s page.

    An agency representative is offered their own agency's action extract when they may
    download it and are a recipient or invited (the same rule as ``get_extract_or_404``)."""
    if not user.is_authenticated or not user.active:
        return MeetingPanel()
    approved = approved_version(meeting) is not None
    download = approved and can_download_minutes(user, meeting)
    extract_agency_id = None
    if (
        approved
        and user.role == Role.AGENCY_REP
        and user.agency is not None
        and (download or is_invited(user, meeting))
        and can_download_extract(user, meeting, user.agency)
    ):
        extract_agency_id = user.agency_id
    return MeetingPanel(
        approved=approved,
        manage=can_manage_meeting(user, meeting),
        oversee=oversees_area(user, meeting),
        download=download,
        extract_agency_id=extract_agency_id,
    )
