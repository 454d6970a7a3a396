"""Inviting people to every future meeting of a series in one step (issue 15).

One email per person with one METHOD:REQUEST: the series as a recurring event (RRULE,
EXDATE, RECURRENCE-ID instances, the Europe/London VTIMEZONE). Each file is read back by
icalendar, recurring-ical-events and ical.js (Mozilla's, in Node: ical_instants.mjs for the
events as written, ical_series_instants.mjs for the expansion a calendar program shows), over
the real SMTP fixture. The expanded instants must be the series' meetings: winter (GMT) and
summer (BST) at 10:00 UK time, the moved meeting at its new time, the cancelled one absent.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa
from flask import Flask

from marac_app.agencies.models import MaracArea
from marac_app.audit import AuditEvent
from marac_app.auth.models import User
from marac_app.extensions import db
from marac_app.meetings import services
from marac_app.meetings.models import Invitation, Meeting
from marac_app.meetings.recurrence import Recurrence, RepeatKind
from tests.fixtures import SmtpCollector
from tests.meetings.conftest import World

LONDON = ZoneInfo("Europe/London")
HERE = Path(__file__).parent
ROOT = HERE.parents[1]

# Every 8 weeks on Thursday from 14 January 2027, 10:00 to 13:00 UK time: 14 Jan and 11 Mar
# are GMT, 6 May to 21 Oct BST, 16 Dec GMT again.
DAYS = [date(2027, 1, 14), date(2027, 3, 11), date(2027, 5, 6), date(2027, 7, 1)]
DAYS += [date(2027, 8, 26), date(2027, 10, 21), date(2027, 12, 16)]
CANCELLED, MOVED, CANCELLED_LATER, CHAIR_OWN = 2, 3, 4, 1
MOVED_TO = datetime(2027, 7, 2, 14, 0, tzinfo=LONDON)


def at_ten(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=LONDON).astimezone(UTC)


@dataclass
class Series:
    series_id: int
    meeting_ids: list[int]


def _version(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, page[:500]
    return found.group(1)


@pytest.fixture()
def series(app: Flask, world: World, auth) -> Series:
    """The series made by the service; one meeting cancelled and one moved over HTTP; the
    chair invited on their own to the second meeting."""
    with app.app_context():
        coordinator = db.session.get(User, world.coordinator.id)
        area = db.session.get(MaracArea, world.area.id)
        made, meetings = services.create_series(
            area,
            services.MeetingDetails(
                day=DAYS[0],
                start=time(10),
                end=time(13),
                venue="Town Hall, Room 1",
                online_link=None,
                chair_id=world.chair.id,
            ),
            Recurrence(RepeatKind.WEEKLY, weekday=3, interval_weeks=8, count=len(DAYS)),
            actor=coordinator,
        )
        db.session.commit()
        ids = [m.id for m in meetings]
        made_id = made.id
    assert len(ids) == len(DAYS)
    auth.sign_in_as(world.coordinator)
    cancel = f"/meetings/{ids[CANCELLED]}/cancel"
    reply = auth.post(
        cancel, {"reason": "Room unavailable", "version": _version(auth.client, cancel)}
    )
    assert reply.status_code == 302
    edit = f"/meetings/{ids[MOVED]}/edit"
    reply = auth.post(
        edit,
        {
            "day": MOVED_TO.date().isoformat(),
            "start_time": "14:00",
            "end_time": "16:00",
            "venue": "Council Offices, Room 4",
            "online_link": "",
            "chair": str(world.chair.id),
            "scope": "one",
            "version": _version(auth.client, edit),
        },
    )
    assert reply.status_code == 302
    reply = auth.post(f"/meetings/{ids[CHAIR_OWN]}/invitations", {"people": [str(world.chair.id)]})
    assert reply.status_code == 302
    return Series(made_id, ids)


def _calendar(message: EmailMessage) -> tuple[bytes, str]:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    raw = part.get_payload(decode=True)
    assert isinstance(raw, bytes)
    return raw, str(part.get_param("method"))


def _icaljs(script: str, raw: bytes) -> list[dict]:
    result = subprocess.run(
        ["node", str(HERE / script)], input=raw, capture_output=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _expanded_starts(raw: bytes) -> dict[str, list[datetime]]:
    """The instances' starts (UTC, in order) as recurring-ical-events and ical.js expand them."""
    calendar = icalendar.Calendar.from_ical(raw)
    found = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2029, 1, 1))
    return {
        "recurring-ical-events": sorted(e.decoded("DTSTART").astimezone(UTC) for e in found),
        "ical.js": sorted(_instant(e["start"]) for e in _icaljs("ical_series_instants.mjs", raw)),
    }


def _expected(app: Flask, meeting_ids: list[int]) -> list[datetime]:
    with app.app_context():
        return sorted(db.session.get(Meeting, i).starts_at.astimezone(UTC) for i in meeting_ids)


def _invite_series(auth, world: World, series: Series) -> object:
    page = f"/meetings/{series.meeting_ids[0]}/series/invitations"
    return auth.post(page, {"people": [str(world.rep.id), str(world.chair.id)]})


def test_one_email_per_person_with_the_series_as_one_recurring_event(
    app: Flask, world: World, auth, series: Series, smtp_server: SmtpCollector
) -> None:
    page = auth.client.get(f"/meetings/{series.meeting_ids[0]}/series")
    assert page.status_code == 200
    assert "Invite to every future meeting of this series" in page.get_data(as_text=True)
    smtp_server.messages.clear()

    reply = _invite_series(auth, world, series)
    assert reply.status_code == 302
    assert len(smtp_server.messages) == 2  # one per person, whatever the number of meetings
    by_person = {m["To"]: m for m in smtp_server.messages}
    assert set(by_person) == {world.rep.email, world.chair.email}

    ids = series.meeting_ids
    live = [i for n, i in enumerate(ids) if n != CANCELLED]
    expected = {
        world.rep.email: _expected(app, live),
        # The chair keeps the meeting they were invited to on its own (its own event).
        world.chair.email: _expected(app, [i for i in live if i != ids[CHAIR_OWN]]),
    }
    with app.app_context():
        series_uid = db.session.get(Meeting, ids[0]).series.ical_uid
    for email, message in by_person.items():
        raw, method = _calendar(message)
        assert method == "REQUEST"
        calendar = icalendar.Calendar.from_ical(raw)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/London"]
        events = calendar.walk("VEVENT")
        [master] = [e for e in events if "RECURRENCE-ID" not in e]
        [moved] = [e for e in events if "RECURRENCE-ID" in e]
        assert {str(e["UID"]) for e in events} == {series_uid}
        assert "RRULE" in master and master["RRULE"]["FREQ"] == ["WEEKLY"]
        assert master["DTSTART"].params["TZID"] == "Europe/London"
        exdates = master.get("EXDATE")
        exdates = exdates if isinstance(exdates, list) else [exdates]
        excluded = {d.dt.astimezone(UTC) for e in exdates for d in e.dts}
        assert at_ten(DAYS[CANCELLED]) in excluded
        assert (at_ten(DAYS[CHAIR_OWN]) in excluded) == (email == world.chair.email)
        assert moved.decoded("RECURRENCE-ID").astimezone(UTC) == at_ten(DAYS[MOVED])
        assert moved.decoded("DTSTART").astimezone(UTC) == MOVED_TO.astimezone(UTC)
        assert str(moved["LOCATION"]) == "Council Offices, Room 4"

        # Every parser puts the master and the moved meeting at the same instants...
        written = {str(e.get("RECURRENCE-ID") and "moved" or "master"): e for e in events}
        as_written = _icaljs("ical_instants.mjs", raw)
        assert sorted(_instant(e["start"]) for e in as_written) == sorted(
            w.decoded("DTSTART").astimezone(UTC) for w in written.values()
        )
        # ... and expanding the series gives exactly the person's meetings, winter and summer.
        for parser, starts in _expanded_starts(raw).items():
            assert starts == expected[email], f"{parser} expands the series wrongly for {email}"
        assert at_ten(DAYS[0]).hour == 10 and at_ten(DAYS[5]).hour == 9  # GMT and BST

        body = message.get_body(("plain",)).get_content()
        assert "14 January 2027" in body and "Town Hall, Room 1" in body
        assert not re.search(r"[A-Z]{2,4}-\d{4}-\d{4}", body + raw.decode())  # no case refs

    with app.app_context():
        rows = db.session.scalars(sa.select(Invitation).where(Invitation.meeting_id.in_(ids))).all()
        rep_rows = {r.meeting_id for r in rows if r.user_id == world.rep.id and r.via_series}
        assert rep_rows == set(live)  # the cancelled meeting was skipped
        own = [r for r in rows if r.user_id == world.chair.id and r.meeting_id == ids[CHAIR_OWN]]
        assert len(own) == 1 and not own[0].via_series  # already invited: left as it was
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "meeting_series_invitations_created")
        ).all()
        assert len(events) == 1
        assert events[0].detail == f"people=2 invitations={2 * len(live) - 1} meetings={len(live)}"


def test_cancelling_one_meeting_cancels_that_instance_of_the_series(
    app: Flask, world: World, auth, series: Series, smtp_server: SmtpCollector
) -> None:
    assert _invite_series(auth, world, series).status_code == 302
    [request_raw] = [_calendar(m)[0] for m in smtp_server.messages if m["To"] == world.rep.email]
    request = icalendar.Calendar.from_ical(request_raw)
    [master] = [e for e in request.walk("VEVENT") if "RECURRENCE-ID" not in e]
    smtp_server.messages.clear()

    target = series.meeting_ids[CANCELLED_LATER]
    cancel = f"/meetings/{target}/cancel"
    reply = auth.post(cancel, {"reason": "Chair unwell", "version": _version(auth.client, cancel)})
    assert reply.status_code == 302
    to_rep = [m for m in smtp_server.messages if m["To"] == world.rep.email]
    assert len(to_rep) == 1
    raw, method = _calendar(to_rep[0])
    assert method == "CANCEL"
    calendar = icalendar.Calendar.from_ical(raw)
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == str(master["UID"])  # the series, not the meeting's own UID
    assert event.decoded("RECURRENCE-ID").astimezone(UTC) == at_ten(DAYS[CANCELLED_LATER])
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) > int(master["SEQUENCE"])
    [read] = _icaljs("ical_series_instants.mjs", raw)
    assert _instant(read["recurrenceId"]) == at_ten(DAYS[CANCELLED_LATER])
    # The RECURRENCE-ID is one of the instances the REQUEST's rule expands to.
    expanded = recurring_ical_events.of(request).between(date(2026, 1, 1), date(2029, 1, 1))
    assert at_ten(DAYS[CANCELLED_LATER]) in {e.decoded("DTSTART").astimezone(UTC) for e in expanded}


def test_a_later_invitation_adds_only_meetings_not_already_held(
    app: Flask, world: World, auth, series: Series, smtp_server: SmtpCollector
) -> None:
    assert _invite_series(auth, world, series).status_code == 302
    smtp_server.messages.clear()
    page = auth.client.get(f"/meetings/{series.meeting_ids[0]}/series/invitations")
    assert page.status_code == 200
    assert world.rep.name not in page.get_data(as_text=True)  # invited to all already
    reply = auth.post(
        f"/meetings/{series.meeting_ids[0]}/series/invitations", {"people": [str(world.rep.id)]}
    )
    assert reply.status_code == 302
    assert smtp_server.messages == []  # nothing new: no email


def test_refusals_invite_nobody(
    app: Flask, world: World, auth, series: Series, smtp_server: SmtpCollector
) -> None:
    path = f"/meetings/{series.meeting_ids[0]}/series/invitations"
    smtp_server.messages.clear()
    reply = auth.post(path, {"people": [str(world.rep.id), str(world.unsigned_rep.id)]})
    assert reply.status_code == 400
    assert "Una Unsigned cannot be invited" in reply.get_data(as_text=True)
    reply = auth.post(path, {})
    assert reply.status_code == 400
    assert "Select at least one person to invite" in reply.get_data(as_text=True)
    assert smtp_server.messages == []
    with app.app_context():
        assert not db.session.scalars(
            sa.select(Invitation).where(Invitation.user_id == world.rep.id)
        ).all()


def test_who_may_see_the_series_and_invite(
    app: Flask, world: World, auth, series: Series, make_meeting
) -> None:
    first = series.meeting_ids[0]
    one_off = make_meeting()
    assert auth.client.get(f"/meetings/{one_off.id}/series").status_code == 404
    assert auth.client.get(f"/meetings/{one_off.id}/series/invitations").status_code == 404
    auth.sign_out()
    auth.sign_in_as(world.chair)
    page = auth.client.get(f"/meetings/{first}/series")
    assert page.status_code == 200
    assert "Invite to every future meeting" not in page.get_data(as_text=True)
    assert auth.client.get(f"/meetings/{first}/series/invitations").status_code == 403
    auth.sign_out()
    auth.sign_in_as(world.rep)
    assert auth.client.get(f"/meetings/{first}/series").status_code in (403, 404)


def test_changing_one_meeting_updates_that_instance_of_the_series(
    app: Flask, world: World, auth, series: Series, smtp_server: SmtpCollector
) -> None:
    assert _invite_series(auth, world, series).status_code == 302
    smtp_server.messages.clear()
    target = series.meeting_ids[5]
    edit = f"/meetings/{target}/edit"
    reply = auth.post(
        edit,
        {
            "day": DAYS[5].isoformat(),
            "start_time": "11:00",
            "end_time": "13:00",
            "venue": "Town Hall, Room 1",
            "online_link": "",
            "chair": str(world.chair.id),
            "scope": "one",
            "version": _version(auth.client, edit),
        },
    )
    assert reply.status_code == 302
    [message] = [m for m in smtp_server.messages if m["To"] == world.rep.email]
    raw, method = _calendar(message)
    assert method == "REQUEST"
    [event] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert event.decoded("RECURRENCE-ID").astimezone(UTC) == at_ten(DAYS[5])
    [read] = _icaljs("ical_instants.mjs", raw)
    assert _instant(read["start"]) == datetime(2027, 10, 21, 11, tzinfo=LONDON).astimezone(UTC)
