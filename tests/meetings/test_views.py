"""Scheduling, editing, cancelling and inviting through the real pages, with the calendar
emails they send parsed back by two independent parsers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.referrals.models import AgendaItem, Case
from tests.meetings.conftest import future_day
from tests.meetings.helpers import calendar_part, event_of, meeting_mail, parse_both


def _form(when, **extra):
    data = {
        "day": when.isoformat(),
        "start_time": "10:00",
        "end_time": "13:00",
        "venue": "Town Hall, Room 1",
        "online_link": "",
        "chair": "",
        "repeat": "none",
    }
    data.update(extra)
    return data


def test_coordinator_schedules_a_one_off_meeting(world, auth, client, app) -> None:
    auth.sign_in_as(world.coordinator)
    response = auth.post("/meetings/new", _form(future_day(), chair=str(world.chair.id)))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Town Hall, Room 1" in text and "Chris Chair" in text
    assert "Referral cut-off" in text and "Case list circulated" in text


def test_bad_input_is_shown_with_specific_messages(world, auth, app) -> None:
    auth.sign_in_as(world.coordinator)
    response = auth.post("/meetings/new", _form(future_day(), day="", venue="", end_time="09:00"))
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the meeting date" in text
    assert "Enter a venue or an online meeting link (or both)" in text
    assert "The end time must be after the start time" in text
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Meeting.id)).where(Meeting.area_id == world.area.id)
            )
            == 0
        )


def test_emergency_meeting_online_only(world, auth, client) -> None:
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        "/meetings/new",
        _form(future_day(2), venue="", online_link="https://meet.example/abc", emergency="y"),
    )
    assert response.status_code == 302
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Emergency MARAC meeting" in text and "https://meet.example/abc" in text


def test_series_every_four_weeks_and_edit_this_and_future(world, auth, client, app) -> None:
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        "/meetings/new",
        _form(
            future_day(7),
            repeat="weekly",
            interval_weeks="4",
            weekday=str(future_day(7).weekday() if future_day(7).weekday() < 5 else 1),
            count="5",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        meetings = list(
            db.session.scalars(
                sa.select(Meeting)
                .where(Meeting.area_id == world.area.id)
                .order_by(Meeting.starts_at)
            )
        )
        assert len(meetings) == 5
        assert len({m.series_id for m in meetings}) == 1
        gaps = {
            (b.starts_at.date() - a.starts_at.date()).days
            for a, b in zip(meetings, meetings[1:], strict=False)
        }
        assert gaps <= {27, 28, 29}  # 4 weeks in local time (UTC date may shift)
        second = meetings[1]
        ids = [m.id for m in meetings]
    form_page = client.get(f"/meetings/{second.id}/edit").get_data(as_text=True)
    assert "Which meetings should change?" in form_page
    local_day = second.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    response = auth.post(
        f"/meetings/{second.id}/edit",
        {
            "day": local_day.date().isoformat(),
            "start_time": "14:00",
            "end_time": "16:00",
            "venue": "New venue",
            "online_link": "",
            "chair": "",
            "scope": "future",
            "version": str(second.version),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        after = [db.session.get(Meeting, i) for i in ids]
        from marac_app.common.time import LONDON

        assert after[0].venue == "Town Hall, Room 1"
        assert after[0].starts_at.astimezone(LONDON).hour == 10
        assert all(m.venue == "New venue" for m in after[1:])
        assert all(m.starts_at.astimezone(LONDON).hour == 14 for m in after[1:])


def test_stale_edit_is_refused_with_409_showing_both(world, make_meeting, auth) -> None:
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    day = future_day().isoformat()
    first = auth.post(
        f"/meetings/{meeting.id}/edit",
        {
            "day": day,
            "start_time": "10:00",
            "end_time": "13:00",
            "venue": "Saved venue",
            "chair": "",
            "version": str(meeting.version),
        },
    )
    assert first.status_code == 302
    stale = auth.post(
        f"/meetings/{meeting.id}/edit",
        {
            "day": day,
            "start_time": "10:00",
            "end_time": "13:00",
            "venue": "My stale venue",
            "chair": "",
            "version": str(meeting.version),
        },
    )
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Saved venue" in text and "My stale venue" in text
    assert "Someone else changed this meeting" in text


def test_invitation_update_and_cancel_send_calendar_messages(
    world, make_meeting, auth, client, app, outbox
) -> None:
    meeting = make_meeting()
    # A case with a distinctive reference on this meeting's case list must never leak.
    with app.app_context():
        case = Case(area_id=world.area.id, reference="ZZQX-SECRET-77")
        db.session.add(case)
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id))
        db.session.commit()
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        f"/meetings/{meeting.id}/invitations", {"people": [str(world.rep.id), str(world.chair.id)]}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Rita Rep" in page

    version = client.get(f"/meetings/{meeting.id}/edit")  # fresh version via the form
    import re

    current_version = re.search(
        r'name="version" value="(\d+)"', version.get_data(as_text=True)
    ).group(1)
    response = auth.post(
        f"/meetings/{meeting.id}/edit",
        {
            "day": future_day().isoformat(),
            "start_time": "11:00",
            "end_time": "13:00",
            "venue": "Another room",
            "chair": str(world.chair.id),
            "version": current_version,
        },
    )
    assert response.status_code == 302
    cancel_page = client.get(f"/meetings/{meeting.id}/cancel").get_data(as_text=True)
    current_version = re.search(r'name="version" value="(\d+)"', cancel_page).group(1)
    response = auth.post(
        f"/meetings/{meeting.id}/cancel",
        {"reason": "Venue unavailable", "version": current_version},
    )
    assert response.status_code == 302

    messages = meeting_mail(outbox, meeting.id)
    to_rep = [m for m in messages if m["To"] == world.rep.email]
    assert len(to_rep) == 3
    uids, sequences, methods = set(), [], []
    for message in to_rep:
        raw, method = calendar_part(message)
        calendar, second = parse_both(raw)
        event = event_of(calendar)
        assert str(calendar["METHOD"]) == method
        assert second.method.value == method
        assert str(second.vevent.uid.value) == str(event["UID"])
        assert str(event["CLASS"]) == "CONFIDENTIAL"
        assert "mailto:" + world.rep.email in [
            str(a)
            for a in (
                [event["ATTENDEE"]]
                if not isinstance(event["ATTENDEE"], list)
                else event["ATTENDEE"]
            )
        ]
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert event["DTSTART"].dt.tzinfo is not None
        assert calendar.walk("VTIMEZONE"), "a VTIMEZONE for Europe/London"
        uids.add(str(event["UID"]))
        sequences.append(int(event["SEQUENCE"]))
        methods.append(method)
        whole = bytes(message).decode("utf-8", "replace") + raw.decode()
        assert "ZZQX-SECRET-77" not in whole
    assert len(uids) == 1
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert methods == ["REQUEST", "REQUEST", "CANCEL"]
    last_event = event_of(parse_both(calendar_part(to_rep[-1])[0])[0])
    assert str(last_event["STATUS"]) == "CANCELLED"

    # Every meeting read and change was audited, without names in the detail.
    with app.app_context():
        actions = set(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.object_type.in_(["meeting", "invitation"])
                )
            )
        )
        assert {
            "meeting_created",
            "meeting_viewed",
            "meeting_updated",
            "meeting_cancelled",
            "meeting_invitation_created",
            "meeting_email_sent",
        } <= actions
        details = " ".join(filter(None, db.session.scalars(sa.select(AuditEvent.detail))))
        assert "Rita Rep" not in details and "Venue unavailable" not in details


def test_unsigned_agency_is_refused_with_the_reason(world, make_meeting, auth, app) -> None:
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        f"/meetings/{meeting.id}/invitations",
        {"people": [str(world.rep.id), str(world.unsigned_rep.id)]},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        "Unsigned Health Trust (test) has not signed version" in text
        and "information-sharing protocol" in text
    )
    with app.app_context():  # all or nothing
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Invitation.id)).where(Invitation.meeting_id == meeting.id)
            )
            == 0
        )


def test_access_rules(world, make_meeting, make_user, auth, client) -> None:
    from marac_app.auth.models import Role

    meeting = make_meeting(invite=[world.rep])
    auth.sign_in_as(world.other_rep)  # same agency, not invited
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/calendar.ics").status_code == 404
    auth.sign_out()
    auth.sign_in_as(make_user(Role.COORDINATOR))  # another area's coordinator
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 404
    assert client.get("/meetings/").status_code == 200
    assert "Town Hall" not in client.get("/meetings/").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in_as(world.rep)  # invited
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert "Upcoming meetings" in home
    ics = client.get(f"/meetings/{meeting.id}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    parse_both(ics.data)


def test_removing_an_invitation_revokes_access_and_sends_cancel(
    world, make_meeting, auth, client, app, outbox
) -> None:
    meeting = make_meeting(invite=[world.rep])
    with app.app_context():
        invitation = db.session.scalar(
            sa.select(Invitation).where(Invitation.meeting_id == meeting.id)
        )
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        f"/meetings/{meeting.id}/invitations/{invitation.id}/remove",
        {},
        form_path=f"/meetings/{meeting.id}",
    )
    assert response.status_code == 302
    last = meeting_mail(outbox, meeting.id)[-1]
    raw, method = calendar_part(last)
    assert method == "CANCEL" and last["To"] == world.rep.email
    parse_both(raw)
    auth.sign_out()
    auth.sign_in_as(world.rep)
    assert client.get(f"/meetings/{meeting.id}").status_code == 404


def test_meeting_list_pages_past_and_upcoming(world, make_meeting, auth, client) -> None:
    make_meeting(day=future_day(3))
    auth.sign_in_as(world.chair)
    text = client.get("/meetings/").get_data(as_text=True)
    assert "Upcoming meetings (1)" in text
    assert "Past meetings (0)" in client.get("/meetings/?show=past").get_data(as_text=True)
    assert client.get("/meetings/?page=99").status_code == 200


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999", "400"])
def test_any_meetings_page_number_answers(auth, client, make_user, page) -> None:
    auth.sign_in_as(make_user(Role.COORDINATOR))
    assert client.get(f"/meetings/?page={page}&show=past").status_code == 200
