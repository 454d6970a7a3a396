"""Each person's calendar reminder (issue 16): a VALARM on the invitations they are sent and in
their calendar feed, read back with icalendar and vobject; nobody else's invitation carries it;
bad input is a 400 that saves nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from marac_app.audit import AuditEvent
from marac_app.audit_actions import AuditAction
from marac_app.extensions import db
from marac_app.meetings.models import CalendarReminder
from tests.fixtures import SmtpCollector
from tests.meetings.helpers import parse_both

FEED_RE = re.compile(r"https?://[^<\s]+/meetings/feed/([A-Za-z0-9_\-]+)\.ics")


def _calendar_of(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return parse_both(part.get_payload(decode=True))


def test_a_chosen_reminder_is_on_their_invitation_only(
    app, world, make_meeting, auth, smtp_server: SmtpCollector
) -> None:
    auth.sign_in_as(world.rep)
    page = auth.client.get("/meetings/calendar-reminder")
    assert page.status_code == 200 and "No reminder" in page.get_data(as_text=True)
    saved = auth.post("/meetings/calendar-reminder", {"minutes": "60"})
    assert saved.status_code == 302
    assert 'value="60" selected' in auth.client.get("/meetings/calendar-reminder").get_data(
        as_text=True
    )
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == AuditAction.CALENDAR_REMINDER_CHANGED.value
            )
        )
        assert event is not None and event.detail == "minutes=60"
    auth.sign_out()

    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    auth.post(
        f"/meetings/{meeting.id}/invitations",
        {"people": [str(world.rep.id), str(world.chair.id)]},
    )
    by_person = {str(m["To"]): m for m in smtp_server.messages}
    calendar, second = _calendar_of(by_person[world.rep.email])
    [event] = calendar.walk("VEVENT")
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(hours=1)
    assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])  # the title only
    assert second.vevent.valarm.trigger.value == -timedelta(hours=1)  # vobject reads it too
    other, _ = _calendar_of(by_person[world.chair.email])
    assert not other.walk("VALARM")


def test_the_feed_carries_the_reminder_and_no_reminder_removes_it(
    app, world, make_meeting, auth, client
) -> None:
    make_meeting(invite=[world.rep])
    auth.sign_in_as(world.rep)
    auth.post("/meetings/calendar-reminder", {"minutes": "1440"})
    page = auth.post("/meetings/calendar-subscription", {"action": "new"})
    token = FEED_RE.search(page.get_data(as_text=True)).group(1)
    calendar, _ = parse_both(client.get(f"/meetings/feed/{token}.ics").data)
    assert [a["TRIGGER"].dt for a in calendar.walk("VALARM")] == [-timedelta(days=1)]
    auth.post("/meetings/calendar-reminder", {"minutes": "0"})
    calendar, _ = parse_both(client.get(f"/meetings/feed/{token}.ics").data)
    assert calendar.walk("VEVENT") and not calendar.walk("VALARM")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CalendarReminder.id))) == 0


def test_a_value_not_offered_is_refused_and_saves_nothing(app, world, auth) -> None:
    auth.sign_in_as(world.rep)
    for bad in ("7", "abc", "-15", "99999999999999999999", ""):
        answer = auth.post("/meetings/calendar-reminder", {"minutes": bad})
        assert answer.status_code == 400, bad
        assert "Select when you want to be reminded" in answer.get_data(as_text=True), bad
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CalendarReminder.id))) == 0
