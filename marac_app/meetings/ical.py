"""iCalendar exports of meetings (pure functions returning bytes).

What goes into a calendar: when, where (venue and/or online link), who organises and who is
invited, a stable UID and a SEQUENCE. What never goes in: anything about cases — no victim
names, no case references, no agenda. The event is marked CLASS:CONFIDENTIAL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vRecur,
    vText,
)

from marac_app.auth.models import User
from marac_app.common.time import LONDON
from marac_app.db import utcnow
from marac_app.meetings.models import Meeting, MeetingKind, MeetingSeries
from marac_app.meetings.slots import Slot

PRODID = "-//MARAC Manager//Meetings//EN"


def meeting_summary(meeting: Meeting) -> str:
    """The event title: the area and the kind of meeting, nothing about cases."""
    prefix = "Emergency MARAC meeting" if meeting.kind == MeetingKind.EMERGENCY else "MARAC meeting"
    return f"{prefix} – {meeting.area.name}"


def _event(
    meeting: Meeting,
    *,
    organizer: str,
    attendees: Iterable[User],
    cancelled: bool,
    stamp: datetime,
    instance_of: tuple[str, int, datetime] | None = None,
    alarm_minutes: int | None = None,
) -> Event:
    """The meeting as a VEVENT; ``instance_of`` (series UID, SEQUENCE, slot start) makes it
    the occurrence of a series' recurring event whose RECURRENCE-ID is the slot;
    ``alarm_minutes`` adds the person's reminder (a VALARM that many minutes before)."""
    event = Event()
    if instance_of is None:
        event.add("uid", meeting.ical_uid)
        event.add("sequence", meeting.ical_sequence)
    else:
        uid, sequence, slot_start = instance_of
        event.add("uid", uid)
        event.add("sequence", sequence)
        event.add("recurrence-id", slot_start.astimezone(LONDON))
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(LONDON))
    event.add("dtend", meeting.ends_at.astimezone(LONDON))
    event.add("summary", meeting_summary(meeting))
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.venue:
        event.add("location", meeting.venue)
    lines = [
        "A confidential multi-agency risk assessment conference (MARAC).",
        "The case list is circulated separately to signed-up agencies; "
        "it is not part of this invitation.",
    ]
    if meeting.online_link:
        event.add("url", meeting.online_link)
        lines.append(f"Online: {meeting.online_link}")
    event.add("description", "\n".join(lines))
    organizer_address = vCalAddress(f"mailto:{organizer}")
    organizer_address.params["cn"] = vText("MARAC Manager")
    event.add("organizer", organizer_address)
    for person in attendees:
        address = vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = vText(person.name)
        address.params["role"] = vText(
            "CHAIR" if person.id == meeting.chair_id else "REQ-PARTICIPANT"
        )
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address, encode=False)
    if alarm_minutes and not cancelled:
        event.add_component(_alarm(meeting, alarm_minutes))
    return event


def _alarm(meeting: Meeting, minutes: int) -> Alarm:
    """A display reminder ``minutes`` before the start; its text is the event's title only."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", meeting_summary(meeting))
    alarm.add("trigger", -timedelta(minutes=minutes))
    return alarm


def london_vtimezone() -> Timezone:
    """Europe/London as two yearly rules (BST from the last Sunday of March at 01:00 UTC, GMT
    from the last Sunday of October at 02:00 BST), the form Outlook and Google write.

    Not icalendar's ``add_missing_timezones()``: its block lists every change as a
    comma-separated RDATE, which vobject and ical.js misread, placing every winter meeting an
    hour early (tests/meetings/test_calendar_parsers.py reads each file with four parsers)."""
    zone = Timezone()
    zone.add("tzid", LONDON.key)
    summer = TimezoneDaylight()
    summer.add("dtstart", datetime(1981, 3, 29, 1, 0, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    summer.add("tzoffsetfrom", timedelta(hours=0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("tzname", "BST")
    winter = TimezoneStandard()
    winter.add("dtstart", datetime(1996, 10, 27, 2, 0, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(hours=0))
    winter.add("tzname", "GMT")
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    # Every time is written with TZID=Europe/London: its definition comes first.
    calendar.add_component(london_vtimezone())
    return calendar


def meeting_to_ical(
    meeting: Meeting,
    method: str,
    attendees: Iterable[User],
    *,
    organizer: str = "marac-manager@localhost",
    alarm_minutes: int | None = None,
) -> bytes:
    """One meeting as an iTIP message (``method`` REQUEST, CANCEL or PUBLISH).

    CANCEL, or a cancelled meeting, gives STATUS:CANCELLED. Times carry TZID=Europe/London
    with its VTIMEZONE. Raises ValueError for an unknown method.
    """
    method = method.upper()
    if method not in {"REQUEST", "CANCEL", "PUBLISH"}:
        raise ValueError(f"unsupported iTIP method {method!r}")
    calendar = _calendar(method)
    calendar.add_component(
        _event(
            meeting,
            organizer=organizer,
            attendees=list(attendees),
            cancelled=method == "CANCEL" or meeting.is_cancelled,
            stamp=utcnow(),
            alarm_minutes=alarm_minutes,
        )
    )
    return calendar.to_ical()


def _rule_from(rrule: str, count: int) -> vRecur:
    """The series' rule limited to ``count`` occurrences from the master's DTSTART (COUNT, not
    the stored UNTIL: a local UNTIL beside a TZID start is not valid iCalendar)."""
    parts = [p for p in rrule.split(";") if p and not p.startswith(("COUNT=", "UNTIL="))]
    return vRecur.from_ical(";".join([*parts, f"COUNT={count}"]))


def series_to_ical(
    series: MeetingSeries,
    slots: Sequence[Slot],
    included: set[int],
    attendee: User,
    *,
    sequence: int,
    organizer: str = "marac-manager@localhost",
    alarm_minutes: int | None = None,
) -> bytes:
    """The series as one METHOD:REQUEST for ``attendee``: a master VEVENT (series UID, RRULE
    from the first to the last included slot), an EXDATE for each slot in between whose
    meeting is not ``included`` (cancelled, removed, or held by the person as a meeting of
    its own), and a RECURRENCE-ID instance for each included meeting moved from its slot.

    ``included`` holds meeting ids. Raises ValueError when it names none of ``slots``."""
    chosen = [slot for slot in slots if slot.meeting.id in included]
    if not chosen:
        raise ValueError("no meeting of the series is included")
    first, last = chosen[0], chosen[-1]
    span = [slot for slot in slots if first.index <= slot.index <= last.index]
    calendar = _calendar("REQUEST")
    stamp = utcnow()
    master = _event(
        first.meeting,
        organizer=organizer,
        attendees=[attendee],
        cancelled=False,
        stamp=stamp,
        instance_of=(series.ical_uid, sequence, first.starts_at),
        alarm_minutes=alarm_minutes,
    )
    # The master is the rule itself: its own times, venue and link, no RECURRENCE-ID.
    for name in ("recurrence-id", "dtstart", "dtend", "location", "url", "description"):
        master.pop(name, None)
    master.add("dtstart", first.starts_at.astimezone(LONDON))
    master.add(
        "dtend", first.starts_at.astimezone(LONDON) + timedelta(minutes=series.duration_minutes)
    )
    if series.venue:
        master.add("location", series.venue)
    lines = [
        "A confidential multi-agency risk assessment conference (MARAC), a recurring series.",
        "The case list is circulated separately to signed-up agencies; "
        "it is not part of this invitation.",
    ]
    if series.online_link:
        master.add("url", series.online_link)
        lines.append(f"Online: {series.online_link}")
    master.add("description", "\n".join(lines))
    master.add("rrule", _rule_from(series.rrule, last.index - first.index + 1))
    for slot in span:
        if slot.meeting.id not in included:
            master.add("exdate", slot.starts_at.astimezone(LONDON))
    calendar.add_component(master)
    for slot in chosen:
        if slot.moved(series):
            calendar.add_component(
                _event(
                    slot.meeting,
                    organizer=organizer,
                    attendees=[attendee],
                    cancelled=False,
                    stamp=stamp,
                    instance_of=(series.ical_uid, sequence, slot.starts_at),
                    alarm_minutes=alarm_minutes,
                )
            )
    return calendar.to_ical()


def occurrence_to_ical(
    series: MeetingSeries,
    slot: Slot,
    method: str,
    attendee: User,
    *,
    sequence: int,
    organizer: str = "marac-manager@localhost",
    alarm_minutes: int | None = None,
) -> bytes:
    """One occurrence of a series' recurring event (series UID, RECURRENCE-ID = its slot) as
    an iTIP REQUEST (changed) or CANCEL (cancelled, or the person no longer invited)."""
    method = method.upper()
    if method not in {"REQUEST", "CANCEL"}:
        raise ValueError(f"unsupported iTIP method {method!r}")
    calendar = _calendar(method)
    calendar.add_component(
        _event(
            slot.meeting,
            organizer=organizer,
            attendees=[attendee],
            cancelled=method == "CANCEL" or slot.meeting.is_cancelled,
            stamp=utcnow(),
            instance_of=(series.ical_uid, sequence, slot.starts_at),
            alarm_minutes=alarm_minutes,
        )
    )
    return calendar.to_ical()


def meetings_feed(
    meetings: Iterable[Meeting],
    *,
    name: str,
    organizer: str = "marac-manager@localhost",
    alarm_minutes: int | None = None,
) -> bytes:
    """A subscription feed (no METHOD) of ``meetings``, cancelled ones marked CANCELLED, each
    with the person's reminder when they chose one."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for meeting in meetings:
        calendar.add_component(
            _event(
                meeting,
                organizer=organizer,
                attendees=[],
                cancelled=meeting.is_cancelled,
                stamp=stamp,
                alarm_minutes=alarm_minutes,
            )
        )
    return calendar.to_ical()
