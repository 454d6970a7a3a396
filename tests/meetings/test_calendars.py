"""Calendar feeds, downloads and delivery by SMTP to a loopback aiosmtpd server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from marac_app.extensions import db
from marac_app.meetings.models import CalendarFeedToken
from marac_app.referrals.models import AgendaItem, Case
from tests.conftest import csrf_token
from tests.fixtures import SmtpCollector
from tests.meetings.helpers import parse_both

FEED_RE = re.compile(r"https?://[^<\s]+/meetings/feed/([A-Za-z0-9_\-]+)\.ics")


def test_invitations_are_delivered_by_smtp_with_the_calendar_part(
    world, make_meeting, auth, smtp_server: SmtpCollector
) -> None:
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        f"/meetings/{meeting.id}/invitations",
        {"people": [str(world.rep.id), str(world.chair.id)]},
    )
    assert response.status_code == 302
    # With SMTP configured there is no outbox page.
    assert auth.client.get("/meetings/outbox").status_code == 404
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [world.rep.email, world.chair.email]
    )
    for message in smtp_server.messages:
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1 and parts[0].get_param("method") == "REQUEST"
        calendar, _ = parse_both(parts[0].get_payload(decode=True))
        assert str(calendar["METHOD"]) == "REQUEST"


def test_every_invitation_has_a_date_and_a_unique_message_id(
    world, make_meeting, auth, smtp_server: SmtpCollector
) -> None:
    """Regression (issue 16): none of the invitation emails had a Date header (RFC 5322)."""
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    before = datetime.now(UTC) - timedelta(seconds=5)
    auth.post(
        f"/meetings/{meeting.id}/invitations",
        {"people": [str(world.rep.id), str(world.chair.id)]},
    )
    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        sent = message["Date"].datetime
        after = datetime.now(UTC) + timedelta(seconds=5)
        assert sent.tzinfo is not None and before <= sent <= after
    ids = {str(m["Message-ID"]) for m in smtp_server.messages}
    assert len(ids) == 2 and all(i.startswith("<") and i.endswith(">") for i in ids)


def test_feed_token_shown_once_lists_meetings_and_revocation_gives_404(
    world, make_meeting, auth, client, app
) -> None:
    meeting = make_meeting(invite=[world.rep])
    with app.app_context():
        case = Case(area_id=world.area.id, reference="QQFEED-9911")
        db.session.add(case)
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id))
        db.session.commit()
    auth.sign_in_as(world.rep)
    page = auth.post("/meetings/calendar-subscription", {"action": "new"})
    assert page.status_code == 200
    token = FEED_RE.search(page.get_data(as_text=True)).group(1)
    # Stored hashed only.
    with app.app_context():
        hashes = list(db.session.scalars(sa.select(CalendarFeedToken.token_hash)))
        assert token not in hashes
    # Not shown again.
    assert token not in client.get("/meetings/calendar-subscription").get_data(as_text=True)
    auth.sign_out()
    feed = client.get(f"/meetings/feed/{token}.ics")  # no sign-in needed
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar, second = parse_both(feed.data)
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert meeting.ical_uid in uids
    assert "QQFEED-9911" not in feed.get_data(as_text=True)
    assert second.vevent.uid.value in uids

    auth.sign_in_as(world.rep)
    client.post(
        "/meetings/calendar-subscription",
        data={
            "csrf_token": csrf_token(client, "/meetings/calendar-subscription"),
            "action": "revoke",
        },
    )
    auth.sign_out()
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 404
    assert client.get("/meetings/feed/not-a-token.ics").status_code == 404


def test_outbox_lists_only_own_area_meeting_mail(
    world, make_meeting, make_user, auth, client
) -> None:
    from marac_app.auth.models import Role

    meeting = make_meeting(invite=[world.rep])
    auth.sign_in_as(world.coordinator)
    page = client.get("/meetings/outbox").get_data(as_text=True)
    assert "Invitation: MARAC meeting" in page
    name = re.search(r"/meetings/outbox/([0-9a-f]{32}\.eml)", page).group(1)
    one = client.get(f"/meetings/outbox/{name}")
    assert one.status_code == 200 and "BEGIN:VCALENDAR" in one.get_data(as_text=True)
    auth.sign_out()
    auth.sign_in_as(make_user(Role.COORDINATOR))
    assert client.get(f"/meetings/outbox/{name}").status_code == 404
    assert client.get("/meetings/outbox/../../etc/passwd").status_code == 404
    auth.sign_out()
    auth.sign_in_as(world.rep)
    assert client.get("/meetings/outbox").status_code == 403
    _ = meeting
