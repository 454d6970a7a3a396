"""Reading the calendar emails a test caused (from the outbox folder)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import icalendar
import vobject


def meeting_mail(outbox: Path, meeting_id: int) -> list[EmailMessage]:
    """Every email about ``meeting_id`` in the outbox, oldest first."""
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message.get("X-MARAC-Meeting") == str(meeting_id):
            found.append(message)
    return found


def calendar_part(message: EmailMessage) -> tuple[bytes, str]:
    """The raw text/calendar part and its method parameter."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True), part.get_param("method")
    raise AssertionError("no text/calendar part")


def parse_both(raw: bytes) -> tuple[icalendar.Calendar, object]:
    """Parse with icalendar and with vobject (an independent parser); both must succeed."""
    parsed = icalendar.Calendar.from_ical(raw)
    second = vobject.readOne(raw.decode("utf-8"))
    return parsed, second


def event_of(calendar: icalendar.Calendar) -> icalendar.Event:
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    return events[0]
