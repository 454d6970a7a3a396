"""Who may distribute and download the minutes. Fetch-then-authorise: load (404), check (404).

- The coordinator of the meeting's area picks the recipients.
- The coordinator and chairs of the area see who holds a copy and may take their own copy.
- A recipient downloads their own stamped copy while they are a live recipient, their agency
  is signed up and the minutes are approved; anyone else gets 404 (audited as denied).
"""

from __future__ import annotations

from marac_app.agencies.models import Agency
from marac_app.auth.models import User
from marac_app.distribution import services
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.meetings.permissions import can_manage_meeting
from marac_app.permissions import _fetch, mark_authorised


def _meeting(meeting_id: int | None) -> Meeting | None:
    return db.session.get(Meeting, meeting_id) if meeting_id is not None else None


def get_recipients_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    """The meeting when ``user`` is the coordinator of its area."""
    meeting = _meeting(meeting_id)
    allowed = meeting is not None and user.active and can_manage_meeting(user, meeting)
    return _fetch(Meeting, meeting_id, user, allowed, "meeting")


def get_overseen_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    """The meeting when ``user`` is the coordinator or a chair of its area."""
    meeting = _meeting(meeting_id)
    allowed = meeting is not None and services.oversees_area(user, meeting)
    return _fetch(Meeting, meeting_id, user, allowed, "meeting")


def get_downloadable_meeting_or_404(meeting_id: int | None, user: User) -> Meeting:
    """The meeting when ``user`` may download its minutes now (else 404, audited)."""
    meeting = _meeting(meeting_id)
    allowed = meeting is not None and services.minutes_access_problem(meeting, user) is None
    return _fetch(Meeting, meeting_id, user, allowed, "meeting")


def get_extract_or_404(
    meeting_id: int | None, agency_id: int | None, user: User
) -> tuple[Meeting, Agency]:
    """The meeting and agency when ``user`` may download that agency's action extract."""
    meeting = _meeting(meeting_id)
    agency = db.session.get(Agency, agency_id) if agency_id is not None else None
    allowed = (
        meeting is not None
        and agency is not None
        and services.extract_access_problem(meeting, agency, user) is None
    )
    meeting = _fetch(Meeting, meeting_id, user, allowed, "meeting")
    assert agency is not None  # noqa: S101 - a missing agency was refused just above
    mark_authorised("agency", agency.id)
    return meeting, agency
