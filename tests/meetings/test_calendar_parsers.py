"""Every .ics the app produces, read by four parsers nobody here wrote: icalendar, vobject,
recurring-ical-events and ical.js (Mozilla's, in Node). All four must place a winter and a
summer meeting at the same instant, the one the meeting was booked for.

Regression (issue 16): the VTIMEZONE from icalendar's ``add_missing_timezones()`` lists each
change as comma-separated RDATEs; vobject and ical.js read every winter meeting one hour early
(09:00 UTC for 10:00 in London)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject

from tests.fixtures import SmtpCollector

LONDON = ZoneInfo("Europe/London")
SCRIPT = Path(__file__).with_name("ical_instants.mjs")
ROOT = Path(__file__).resolve().parents[2]

# 10:00 in London on a winter day (GMT), a summer day (BST), and the days either side of
# both changes in 2027 (28 March, 31 October).
BOOKED = [
    datetime(2027, 1, 14, 10, 0, tzinfo=LONDON),
    datetime(2027, 3, 26, 10, 0, tzinfo=LONDON),
    datetime(2027, 3, 29, 10, 0, tzinfo=LONDON),
    datetime(2027, 7, 14, 10, 0, tzinfo=LONDON),
    datetime(2027, 10, 29, 10, 0, tzinfo=LONDON),
    datetime(2027, 11, 1, 10, 0, tzinfo=LONDON),
]


def _icalendar(raw: bytes) -> dict[str, datetime]:
    calendar = icalendar.Calendar.from_ical(raw)
    return {str(e["UID"]): e.decoded("DTSTART").astimezone(UTC) for e in calendar.walk("VEVENT")}


def _vobject(raw: bytes) -> dict[str, datetime]:
    calendar = vobject.readOne(raw.decode("utf-8"))
    return {
        e.uid.value: e.dtstart.value.astimezone(UTC) for e in getattr(calendar, "vevent_list", [])
    }


def _recurring(raw: bytes) -> dict[str, datetime]:
    calendar = icalendar.Calendar.from_ical(raw)
    found = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2029, 1, 1))
    return {str(e["UID"]): e.decoded("DTSTART").astimezone(UTC) for e in found}


def _icaljs(raw: bytes) -> dict[str, datetime]:
    result = subprocess.run(
        ["node", str(SCRIPT)], input=raw, capture_output=True, cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return {
        event["uid"]: datetime.fromisoformat(event["start"].replace("Z", "+00:00"))
        for event in json.loads(result.stdout)
    }


PARSERS = {
    "icalendar": _icalendar,
    "vobject": _vobject,
    "recurring": _recurring,
    "ical.js": _icaljs,
}


def _assert_all_read(raw: bytes, expected: dict[str, datetime]) -> None:
    for name, parse in PARSERS.items():
        read = parse(raw)
        for uid, instant in expected.items():
            assert read.get(uid) == instant, (
                f"{name} reads {uid} at {read.get(uid)}, booked for {instant}"
            )


@pytest.fixture()
def booked(world, make_meeting) -> dict[str, tuple[int, datetime]]:
    """The meetings (uid → the booked instant in UTC), each inviting the representative."""
    meetings = {}
    for when in BOOKED:  # booked through the meetings service: 10:00 to 13:00 on that day
        meeting = make_meeting(day=when.date(), invite=[world.rep])
        meetings[meeting.ical_uid] = (meeting.id, when.astimezone(UTC))
    return meetings


def test_each_meeting_download_reads_the_same_in_four_parsers(world, auth, booked) -> None:
    auth.sign_in_as(world.rep)
    for uid, (meeting_id, instant) in booked.items():
        response = auth.client.get(f"/meetings/{meeting_id}/calendar.ics")
        assert response.status_code == 200
        _assert_all_read(response.data, {uid: instant})


def test_the_feed_reads_the_same_in_four_parsers(world, auth, client, booked) -> None:
    auth.sign_in_as(world.rep)
    page = auth.post("/meetings/calendar-subscription", {"action": "new"})
    token = page.get_data(as_text=True).split("/meetings/feed/", 1)[1].split(".ics", 1)[0]
    auth.sign_out()
    feed = client.get(f"/meetings/feed/{token}.ics")
    assert feed.status_code == 200
    _assert_all_read(feed.data, {uid: instant for uid, (_id, instant) in booked.items()})


def test_each_invitation_email_reads_the_same_in_four_parsers(
    world, auth, booked, smtp_server: SmtpCollector
) -> None:
    auth.sign_in_as(world.coordinator)
    for meeting_id, _instant in booked.values():
        response = auth.post(
            f"/meetings/{meeting_id}/invitations", {"people": [str(world.chair.id)]}
        )
        assert response.status_code == 302
    assert len(smtp_server.messages) == len(booked)
    for message in smtp_server.messages:
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        raw = part.get_payload(decode=True)
        assert isinstance(raw, bytes)
        uid = str(icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]["UID"])
        _assert_all_read(raw, {uid: booked[uid][1]})
