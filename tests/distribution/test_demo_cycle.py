"""The demo's complete past cycle (issue 16): seeded through the real services, so a newcomer
can open every page of a whole cycle — and the police representative can download their
stamped copy of the approved minutes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from marac_app.action_items.models import ActionItem, ActionStatusUpdate
from marac_app.common.time import london_today
from marac_app.demo import DEMO_USERS, _live_today
from marac_app.distribution.demo import VENUE
from marac_app.distribution.models import DocumentCopy
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.models import MinutesApproval
from marac_app.referrals.models import AgendaItem
from marac_app.research.models import ResearchCirculation, ResearchReturn
from tests.conftest import Auth

LONDON = ZoneInfo("Europe/London")


def test_the_demo_holds_a_whole_past_cycle_and_the_police_rep_downloads_a_copy(
    app: Flask, auth: Auth, client
) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting).where(Meeting.venue == VENUE))
        assert meeting is not None and meeting.ends_at < datetime.now(UTC)
        meeting_id = meeting.id
        assert db.session.scalar(
            sa.select(MinutesApproval).where(MinutesApproval.meeting_id == meeting_id)
        )
        assert db.session.scalar(
            sa.select(ResearchCirculation).where(ResearchCirculation.meeting_id == meeting_id)
        )
        assert db.session.scalar(sa.select(sa.func.count(ResearchReturn.id))) >= 2
        cases = sa.select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting_id)
        actions = db.session.scalars(sa.select(ActionItem).where(ActionItem.case_id.in_(cases)))
        statuses = sorted((a.status.value, a.due_date < london_today()) for a in actions)
        # The marker done; the locks (in progress) and the move open and overdue.
        assert statuses == [("completed", True), ("open", True), ("open", True)], statuses
        assert db.session.scalar(
            sa.select(sa.func.count(ActionStatusUpdate.id)).where(
                ActionStatusUpdate.note.like("%waiting for the locksmith%")
            )
        )
        assert db.session.scalar(sa.select(sa.func.count(DocumentCopy.id))) >= 1
    police = next(p for p in DEMO_USERS if p.email == "police.rep@demo.example")
    assert auth.sign_in(police.email, police.password).status_code == 302
    response = client.get(f"/distribution/meetings/{meeting_id}/minutes.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert police.name in text and "Demo Victim-Eight" in text


def test_todays_demo_meeting_is_on_whatever_the_hour_of_seeding() -> None:
    day = datetime(2026, 12, 4, tzinfo=LONDON)
    starts, ends = day.replace(hour=10), day.replace(hour=13)
    assert _live_today(starts, ends, day.replace(hour=8)) == (starts, ends)
    assert _live_today(starts, ends, day.replace(hour=12, minute=30)) == (starts, ends)
    late = _live_today(starts, ends, day.replace(hour=16, minute=20))
    assert late == (day.replace(hour=16), day.replace(hour=19))
    night = day.replace(hour=23, minute=40)
    s, e = _live_today(starts, ends, night)
    assert s == day.replace(hour=23) and s <= night < e
