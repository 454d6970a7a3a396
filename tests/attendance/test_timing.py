"""Keeping time on the run page: hearing a case, the projection and overrun in words,
deferring a case to the area's next meeting, and the area's target per case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.agencies.models import MaracArea
from marac_app.attendance import timing
from marac_app.attendance.models import (
    AcknowledgementMethod,
    Attendance,
    AttendanceStatus,
    CaseDeferral,
    ConfidentialityAcknowledgement,
    MeetingOpening,
)
from marac_app.auth.models import Role
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.minutes.models import EntryKind, MinuteEntry, Subject
from marac_app.referrals.models import AgendaItem
from tests.attendance.conftest import World, audit_actions


def _open_gate(app: Flask, world: World) -> None:
    """The statement read and Priya Police present and acknowledged (straight to the rows)."""
    with app.app_context():
        from marac_app.protocol.services import current_statement

        statement = current_statement()
        db.session.add(
            MeetingOpening(
                meeting_id=world.meeting.id,
                statement_id=statement.id,
                statement_version=statement.version_number,
                read_by_id=world.chair.id,
            )
        )
        row = Attendance(
            meeting_id=world.meeting.id,
            user_id=world.rep.id,
            name=world.rep.name,
            agency_id=world.police.id,
            status=AttendanceStatus.PRESENT,
            recorded_by_id=world.chair.id,
        )
        db.session.add(row)
        db.session.flush()
        db.session.add(
            ConfidentialityAcknowledgement(
                meeting_id=world.meeting.id,
                attendance_id=row.id,
                statement_id=statement.id,
                statement_version=statement.version_number,
                method=AcknowledgementMethod.OWN_DEVICE,
                recorded_by_id=world.rep.id,
            )
        )
        db.session.commit()


@pytest.fixture()
def listed(app, world, make_case, make_agenda_item, statement):
    """Three cases on the meeting's list, the gate open."""
    items = []
    for position in range(3):
        case = make_case(world.area, reference=f"TIM-2026-{position + 1:04d}")
        item = make_agenda_item(world.meeting, case)
        with app.app_context():
            db.session.get(AgendaItem, item.id).position = position
            db.session.commit()
        items.append(item)
    _open_gate(app, world)
    return items


def _url(world: World, suffix: str) -> str:
    return f"/meetings/{world.meeting.id}/{suffix}"


def _item(app: Flask, item_id: int) -> AgendaItem | None:
    with app.app_context():
        return db.session.get(AgendaItem, item_id)


def _run(auth, world: World, item: AgendaItem, what: str):
    return auth.post(_url(world, f"run/{item.id}/{what}"), {}, form_path=_url(world, "run"))


# --- Hearing a case ----------------------------------------------------------------------


def test_run_page_shows_states_target_and_projection(app, world, auth, client, listed) -> None:
    auth.sign_in_as(world.chair)
    html = client.get(_url(world, "run")).get_data(as_text=True)
    assert "Target per case: <strong>12 minutes</strong>" in html
    assert html.count("Waiting</strong>") == 3
    assert "Projected finish of the list" in html
    assert "3 cases waiting" in html
    assert "Start case" in html


def test_starting_the_next_case_ends_the_previous(app, world, auth, client, listed) -> None:
    first, second, _third = listed
    auth.sign_in_as(world.chair)
    assert _run(auth, world, first, "start").status_code == 302
    started = _item(app, first.id)
    assert started.hearing_started_at is not None and started.hearing_ended_at is None
    html = client.get(_url(world, "run")).get_data(as_text=True)
    assert "Being heard: <strong>TIM-2026-0001</strong>, started at" in html
    assert "so far" in html and 'role="timer"' in html
    assert "2 cases waiting, and what is left of the current case's target" in html

    assert _run(auth, world, second, "start").status_code == 302
    assert _item(app, first.id).hearing_ended_at is not None
    assert _item(app, second.id).hearing_ended_at is None
    assert _run(auth, world, second, "heard").status_code == 302
    assert _item(app, second.id).hearing_ended_at is not None
    assert len(audit_actions(app, "case_hearing_started")) == 2
    ended = audit_actions(app, "case_hearing_ended")
    assert len(ended) == 2
    assert all("seconds=" in event.detail for event in ended)
    html = client.get(_url(world, "run")).get_data(as_text=True)
    assert html.count("Heard</strong>") == 2


def test_case_heard_when_not_being_heard_is_a_clear_400(app, world, auth, client, listed) -> None:
    auth.sign_in_as(world.chair)
    response = _run(auth, world, listed[0], "heard")
    assert response.status_code == 400
    assert "TIM-2026-0001 is not being heard" in response.get_data(as_text=True)


def test_overrun_is_said_in_words(app, world, auth, client, listed) -> None:
    with app.app_context():
        item = db.session.get(AgendaItem, listed[0].id)
        item.hearing_started_at = utcnow() - timedelta(minutes=15, seconds=10)
        db.session.commit()
    auth.sign_in_as(world.chair)
    html = client.get(_url(world, "run")).get_data(as_text=True)
    assert "3 minutes over its 12-minute target" in html
    assert "15 minutes so far" in html


def test_projection_is_now_plus_remaining_targets(app, world, listed) -> None:
    with app.app_context():
        meeting = db.session.get(Meeting, world.meeting.id)
        item = db.session.get(AgendaItem, listed[0].id)
        now = utcnow()
        item.hearing_started_at = now - timedelta(minutes=5)
        db.session.flush()
        items = list(
            db.session.scalars(
                sa.select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(AgendaItem.position)
            )
        )
        sheet = timing.run_sheet(meeting, items, now=now)
        assert sheet.current is not None and sheet.current.spent_seconds == 300
        assert sheet.waiting == 2
        # 7 minutes left of the current case's target and 2 × 12 minutes.
        assert sheet.projected_finish == now + timedelta(minutes=7 + 24)
        item.hearing_started_at = now - timedelta(minutes=20)
        db.session.flush()
        sheet = timing.run_sheet(meeting, items, now=now)
        assert sheet.projected_finish == now + timedelta(minutes=24)  # over: no time left
        assert sheet.current.overrun == "8 minutes over its 12-minute target"
        db.session.rollback()


def test_a_heard_case_started_again_keeps_its_time(app, world, auth, listed) -> None:
    with app.app_context():
        item = db.session.get(AgendaItem, listed[0].id)
        item.hearing_started_at = utcnow() - timedelta(minutes=10)
        item.hearing_ended_at = utcnow() - timedelta(minutes=4)
        item.hearing_seconds = 360
        db.session.commit()
    auth.sign_in_as(world.chair)
    assert _run(auth, world, listed[0], "start").status_code == 302
    again = _item(app, listed[0].id)
    assert again.hearing_ended_at is None and again.hearing_seconds == 360


def test_timing_needs_the_gate_open(app, world, auth, make_case, make_agenda_item) -> None:
    item = make_agenda_item(world.meeting, make_case(world.area))
    auth.sign_in_as(world.chair)
    response = _run(auth, world, item, "start")
    assert response.status_code == 400
    assert _item(app, item.id).hearing_started_at is None


def test_other_area_and_other_meeting_items_are_404(
    app, world, auth, client, listed, make_meeting, make_case, make_agenda_item
) -> None:
    other = make_meeting(world.area, days=3)
    foreign = make_agenda_item(other, make_case(world.area))
    auth.sign_in_as(world.chair)
    # An item of another meeting named under this one.
    assert _run(auth, world, foreign, "start").status_code == 404
    assert client.get(_url(world, f"run/{foreign.id}/defer")).status_code == 404
    auth.sign_out()
    auth.sign_in_as(world.other_chair)
    assert _run(auth, world, listed[0], "start").status_code == 404
    assert client.get(_url(world, f"run/{listed[0].id}/defer")).status_code == 404
    assert _item(app, listed[0].id).hearing_started_at is None


def test_representatives_cannot_keep_time(app, world, auth, listed) -> None:
    auth.sign_in_as(world.rep)
    assert _run(auth, world, listed[0], "start").status_code == 403


# --- Deferring a case ----------------------------------------------------------------------


def _defer(auth, world: World, item: AgendaItem, reason: str):
    return auth.post(
        _url(world, f"run/{item.id}/defer"),
        {"reason": reason},
        form_path=_url(world, f"run/{item.id}/defer"),
    )


def test_deferral_moves_the_case_to_the_next_meeting(
    app, world, auth, client, listed, make_meeting, make_area
) -> None:
    later = make_meeting(world.area, days=28)
    nearer = make_meeting(world.area, days=14)
    cancelled = make_meeting(world.area, days=7)
    other_area = make_meeting(world.other_area, days=2)
    with app.app_context():
        db.session.get(Meeting, cancelled.id).status = MeetingStatus.CANCELLED
        db.session.commit()
    auth.sign_in_as(world.chair)
    form = client.get(_url(world, f"run/{listed[1].id}/defer"))
    assert form.status_code == 200
    assert "Defer TIM-2026-0002 to the next meeting" in form.get_data(as_text=True)
    assert audit_actions(app, "case_deferral_form_viewed")

    response = _defer(auth, world, listed[1], "The IDVA could not reach the victim in time")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(AgendaItem, listed[1].id) is None
        moved = db.session.scalars(
            sa.select(AgendaItem).where(AgendaItem.case_id == listed[1].case_id)
        ).all()
        assert [m.meeting_id for m in moved] == [nearer.id]
        [deferral] = db.session.scalars(sa.select(CaseDeferral)).all()
        assert deferral.from_meeting_id == world.meeting.id
        assert deferral.to_meeting_id == nearer.id
        assert deferral.reason == "The IDVA could not reach the victim in time"
    [event] = audit_actions(app, "case_deferred")
    assert "IDVA" not in (event.detail or "")  # ids only, never the reason
    assert later.id != nearer.id and other_area.id != nearer.id

    html = client.get(_url(world, "run")).get_data(as_text=True)
    assert "Deferred</strong>" in html
    assert "Reason: The IDVA could not reach the victim in time" in html
    assert "2 cases waiting" in html
    # The next meeting's list shows where it came from.
    arrived = client.get(f"/meetings/{nearer.id}/run").get_data(as_text=True)
    assert "TIM-2026-0002" in arrived or "What is missing" in arrived


def test_deferral_needs_a_reason(app, world, auth, listed, make_meeting) -> None:
    make_meeting(world.area, days=14)
    auth.sign_in_as(world.chair)
    response = _defer(auth, world, listed[0], "   ")
    assert response.status_code == 400
    assert "Enter why the case is being deferred" in response.get_data(as_text=True)
    long = _defer(auth, world, listed[0], "x" * 501)
    assert long.status_code == 400
    assert "500 characters or fewer" in long.get_data(as_text=True)
    assert _item(app, listed[0].id) is not None


def test_deferral_without_a_next_meeting_is_a_clear_error(
    app, world, auth, listed, make_meeting
) -> None:
    make_meeting(world.other_area, days=14)  # another area's meeting does not count
    make_meeting(world.area, days=-14)  # nor does an earlier one
    auth.sign_in_as(world.chair)
    response = _defer(auth, world, listed[0], "Not enough time")
    assert response.status_code == 400
    assert "There is no later meeting of" in response.get_data(as_text=True)
    assert _item(app, listed[0].id) is not None


def test_a_discussed_case_cannot_be_deferred(app, world, auth, listed, make_meeting) -> None:
    make_meeting(world.area, days=14)
    with app.app_context():
        db.session.add(
            MinuteEntry(
                agenda_item_id=listed[0].id,
                subject=Subject.VICTIM,
                kind=EntryKind.FACT,
                source_agency_id=world.police.id,
                text_html="<p>Shared</p>",
                author_id=world.chair.id,
            )
        )
        db.session.commit()
    auth.sign_in_as(world.chair)
    response = _defer(auth, world, listed[0], "Ran out of time")
    assert response.status_code == 400
    assert "cannot be deferred" in response.get_data(as_text=True)
    assert _item(app, listed[0].id) is not None
    with app.app_context():
        assert db.session.scalars(sa.select(CaseDeferral)).all() == []


def test_a_case_already_on_the_next_list_is_a_clear_error(
    app, world, auth, listed, make_meeting, make_agenda_item
) -> None:
    nearer = make_meeting(world.area, days=14)
    with app.app_context():
        case = db.session.get(AgendaItem, listed[0].id).case
    make_agenda_item(nearer, case)
    auth.sign_in_as(world.chair)
    response = _defer(auth, world, listed[0], "Ran out of time")
    assert response.status_code == 400
    assert "is already on the case list of the meeting on" in response.get_data(as_text=True)
    assert _item(app, listed[0].id) is not None


# --- The area's target -----------------------------------------------------------------


def test_coordinator_sets_the_target_and_the_run_page_uses_it(
    app, world, auth, client, listed
) -> None:
    auth.sign_in_as(world.coordinator)
    url = f"/meetings/areas/{world.area.id}/case-target"
    assert client.get(url).status_code == 200
    bad = auth.post(url, {"minutes": "0"})
    assert bad.status_code == 400
    assert "whole number from 1 to 120" in bad.get_data(as_text=True)
    assert auth.post(url, {"minutes": "15"}).status_code == 302
    with app.app_context():
        assert db.session.get(MaracArea, world.area.id).case_target_minutes == 15
    assert [e.detail for e in audit_actions(app, "area_updated")] == ["case_target_minutes=15"]
    html = client.get(_url(world, "run")).get_data(as_text=True)
    assert "Target per case: <strong>15 minutes</strong>" in html


def test_only_the_areas_coordinator_sets_its_target(app, world, auth, client, make_user) -> None:
    url = f"/meetings/areas/{world.area.id}/case-target"
    auth.sign_in_as(world.chair)
    assert client.get(url).status_code == 403
    auth.sign_out()
    other = make_user(Role.COORDINATOR, agency=world.police, area=world.other_area)
    auth.sign_in_as(other)
    assert client.get(url).status_code == 404
    assert (
        auth.post(
            url, {"minutes": "20"}, form_path=f"/meetings/areas/{world.other_area.id}/case-target"
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("started_utc", "season"),
    [
        ((2026, 1, 15, 10, 5), "winter (GMT)"),
        ((2026, 7, 15, 9, 5), "summer (BST)"),
    ],
)
def test_run_page_times_are_london_times_winter_and_summer(
    app, world, auth, client, listed, started_utc, season
) -> None:
    """A case started at 10:05 in London reads 10:05 on the run page in January (UTC+0)
    and in July (UTC+1): stored in UTC, shown in London time."""
    with app.app_context():
        item = db.session.get(AgendaItem, listed[0].id)
        item.hearing_started_at = datetime(*started_utc, tzinfo=UTC)
        db.session.commit()
    auth.sign_in_as(world.chair)
    page = client.get(_url(world, "run")).get_data(as_text=True)
    assert "started at 10:05" in page, season
