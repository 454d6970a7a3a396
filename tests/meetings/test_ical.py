"""meeting_to_ical and the feed: valid for two parsers, confidential, no case data."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from marac_app.auth.models import User
from marac_app.common.time import LONDON
from marac_app.extensions import db
from marac_app.meetings import services
from marac_app.meetings.ical import meeting_to_ical, meetings_feed
from marac_app.meetings.models import Meeting, MeetingKind
from marac_app.referrals.models import AgendaItem, Case
from tests.meetings.conftest import future_day
from tests.meetings.helpers import event_of, parse_both


def test_request_cancel_and_publish(world, make_meeting, app) -> None:
    meeting = make_meeting()
    with app.app_context():
        meeting = db.session.get(Meeting, meeting.id)
        case = Case(area_id=world.area.id, reference="XYCASE-4242")
        db.session.add(case)
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id))
        db.session.flush()
        rep = db.session.get(User, world.rep.id)
        request = meeting_to_ical(meeting, "REQUEST", [rep], organizer="marac@example.org")
        calendar, second = parse_both(request)
        event = event_of(calendar)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["CLASS"]) == "CONFIDENTIAL"
        assert str(event["ORGANIZER"]) == "mailto:marac@example.org"
        assert str(event["ATTENDEE"]) == f"mailto:{rep.email}"
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event["DTSTART"].dt.astimezone(LONDON).strftime("%H:%M") == "10:00"
        assert str(second.vevent.summary.value).startswith("MARAC meeting")
        assert b"XYCASE-4242" not in request
        cancel = meeting_to_ical(meeting, "CANCEL", [rep])
        cancelled = event_of(parse_both(cancel)[0])
        assert str(cancelled["STATUS"]) == "CANCELLED"
        assert str(cancelled["UID"]) == str(event["UID"])
        with pytest.raises(ValueError):
            meeting_to_ical(meeting, "REFRESH", [])
        feed = meetings_feed([meeting], name="Mine")
        assert "METHOD" not in parse_both(feed)[0]
        assert b"XYCASE-4242" not in feed


def test_emergency_meeting_summary_and_key_dates(world, app) -> None:
    with app.app_context():
        coordinator = db.session.get(User, world.coordinator.id)
        meeting = services.create_meeting(
            world.area,
            services.MeetingDetails(
                day=future_day(30),
                start=time(9),
                end=time(10),
                venue=None,
                online_link="https://meet.example/x",
                chair_id=None,
                kind=MeetingKind.EMERGENCY,
            ),
            actor=coordinator,
        )
        event = event_of(parse_both(meeting_to_ical(meeting, "PUBLISH", []))[0])
        assert str(event["SUMMARY"]).startswith("Emergency MARAC meeting")
        assert str(event["URL"]) == "https://meet.example/x"
        dates = services.key_dates(meeting)
        assert dates.referral_cutoff < dates.case_list_circulation < future_day(30)
        assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) >= 1
