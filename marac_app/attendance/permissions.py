"""Who may open a meeting, take attendance and acknowledge the statement.

- A chair of the meeting's area opens it (marks the statement read) and records
  acknowledgements on people's behalf.
- The chair or the area's coordinator records attendance and observers and sees the gate and
  the live case list.
- Anyone marked present acknowledges for themselves on their own device.
- The chair or the coordinator keeps time (starts and ends hearing a case) and defers a case
  to the area's next meeting; the area's coordinator sets its target minutes per case.

Fetch-then-authorise: the meeting is loaded through ``get_meeting_or_404`` (404 for another
area's meeting or a meeting a representative is not invited to), then the role check here
(403, audited, for someone who may see the meeting but not run it).
"""

from __future__ import annotations

from marac_app.agencies.models import MaracArea
from marac_app.attendance.models import Attendance, AttendanceStatus, Observer
from marac_app.auth.models import Role, User
from marac_app.meetings.models import Meeting
from marac_app.meetings.permissions import (
    can_chair_meeting,
    can_manage_meeting,
    get_meeting_or_404,
)
from marac_app.permissions import deny, fetch_or_404
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.restriction import is_restricted


def can_open_meeting(user: User, meeting: Meeting) -> bool:
    """Mark the statement read and record acknowledgements on someone's behalf."""
    return can_chair_meeting(user, meeting)


def can_take_attendance(user: User, meeting: Meeting) -> bool:
    """Record attendance and observers, see the gate and the live case list."""
    return can_chair_meeting(user, meeting) or can_manage_meeting(user, meeting)


def can_acknowledge_for_self(user: User, attendance: Attendance | None) -> bool:
    """Acknowledge the statement on one's own device: ``attendance`` is ``user``'s record at
    the meeting and the chair has marked them present."""
    return (
        attendance is not None
        and attendance.user_id == user.id
        and attendance.status == AttendanceStatus.PRESENT
    )


def get_meeting_to_run_or_404(meeting_id: int, user: User) -> Meeting:
    """The meeting if ``user`` may take its attendance (404 unseen, 403 seen but not run)."""
    meeting = get_meeting_or_404(meeting_id, user)
    if not can_take_attendance(user, meeting):
        deny(
            f"meeting_attendance:{meeting_id}",
            status=403,
            object_type="meeting",
            object_id=meeting_id,
        )
    return meeting


def get_meeting_to_chair_or_404(meeting_id: int, user: User) -> Meeting:
    """The meeting if ``user`` chairs it (404 unseen, 403 seen but not chaired)."""
    meeting = get_meeting_or_404(meeting_id, user)
    if not can_open_meeting(user, meeting):
        deny(f"meeting_chair:{meeting_id}", status=403, object_type="meeting", object_id=meeting_id)
    return meeting


def get_attendance_or_404(attendance_id: int, meeting: Meeting, user: User) -> Attendance:
    """An attendance record of ``meeting`` (404 when it belongs to another meeting)."""
    return fetch_or_404(
        Attendance,
        attendance_id,
        allowed=lambda row: row.meeting_id == meeting.id,
        kind="meeting_attendance",
    )


def get_observer_or_404(observer_id: int, meeting: Meeting, user: User) -> Observer:
    """An observer of ``meeting`` (404 when they belong to another meeting)."""
    return fetch_or_404(
        Observer,
        observer_id,
        allowed=lambda row: row.meeting_id == meeting.id,
        kind="meeting_observer",
    )


def get_listed_item_or_404(item_id: int, meeting: Meeting) -> AgendaItem:
    """A case on ``meeting``'s list (404 for another meeting's item, or a case under
    restriction of processing, which the live meeting does not show)."""
    return fetch_or_404(
        AgendaItem,
        item_id,
        allowed=lambda item: item.meeting_id == meeting.id and not is_restricted(item.case_id),
        kind="agenda_item",
    )


def can_set_case_target(user: User, area: MaracArea) -> bool:
    """Change the area's target minutes per case: its coordinator (admins use the admin
    area form)."""
    return user.role == Role.COORDINATOR and user.area_id == area.id


def get_area_to_set_target_or_404(area_id: int, user: User) -> MaracArea:
    """The area if ``user`` coordinates it (404 for any other area)."""
    return fetch_or_404(
        MaracArea,
        area_id,
        allowed=lambda area: can_set_case_target(user, area),
        kind="marac_area",
    )
