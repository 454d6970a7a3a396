"""The rule slots of a series: which occurrence of the series' RRULE each meeting fills.

A series' meetings are made in the order of its rule (``services.create_series``), so the
n-th meeting by id fills the n-th occurrence of the rule expanded from ``first_starts_at`` in
Europe/London wall-clock time. A meeting later moved (another day, time, venue or link) still
fills its slot: in a calendar it is the instance whose RECURRENCE-ID is the slot's start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from marac_app.common.time import LONDON
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingSeries
from marac_app.meetings.recurrence import occurrences


@dataclass(frozen=True)
class Slot:
    """One occurrence of the series' rule (``starts_at`` aware, Europe/London) and the
    meeting that fills it."""

    index: int
    starts_at: datetime
    meeting: Meeting

    def moved(self, series: MeetingSeries) -> bool:
        """True when the meeting is not as its rule slot says (time, length, venue or link)."""
        meeting = self.meeting
        return (
            meeting.starts_at != self.starts_at
            or meeting.ends_at != self.starts_at + timedelta(minutes=series.duration_minutes)
            or meeting.venue != series.venue
            or meeting.online_link != series.online_link
        )


def series_meetings(series: MeetingSeries) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.id)
        )
    )


def series_slots(series: MeetingSeries) -> list[Slot]:
    """Every meeting of ``series`` with its rule slot, in rule order. Meetings beyond the
    rule's occurrences (none are made so) have no slot and are left out."""
    meetings = series_meetings(series)
    first = series.first_starts_at.astimezone(LONDON)
    starts = occurrences(
        series.rrule, first.date(), first.time().replace(tzinfo=None), limit=len(meetings)
    )
    return [
        Slot(index, start, meeting)
        for index, (start, meeting) in enumerate(zip(starts, meetings, strict=False))
    ]


def slot_of(meeting: Meeting) -> Slot | None:
    """The slot ``meeting`` fills in its series (None for a meeting outside any series)."""
    if meeting.series is None:
        return None
    for slot in series_slots(meeting.series):
        if slot.meeting.id == meeting.id:
            return slot
    return None


def series_sequence(series: MeetingSeries) -> int:
    """The SEQUENCE of the series' recurring event: the sum of its meetings' sequences, so it
    goes up with every change sent about any one of them."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Meeting.ical_sequence), 0)).where(
                Meeting.series_id == series.id
            )
        )
        or 0
    )
