"""Who may open a meeting, take attendance and acknowledge: another area's chair or
coordinator gets 404, a representative 403 (by role) on the chair's pages, refusals audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, render_template_string
from flask_login import login_user

from marac_app.attendance.models import Attendance, Observer
from marac_app.audit import AuditEvent, Outcome
from marac_app.auth.models import Role
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from tests.attendance.conftest import World
from tests.conftest import csrf_token

CHAIR_GETS = ["open", "attendance", "run"]


def _get_paths(world: World) -> list[str]:
    m = world.meeting.id
    return [f"/meetings/{m}/{suffix}" for suffix in CHAIR_GETS] + [
        f"/meetings/{m}/attendance/people/{world.rep.id}"
    ]


def _post_paths(world: World) -> list[str]:
    m = world.meeting.id
    return [
        f"/meetings/{m}/open",
        f"/meetings/{m}/attendance/present",
        f"/meetings/{m}/attendance/observers",
        f"/meetings/{m}/attendance/people/{world.rep.id}",
        f"/meetings/{m}/attendance/1/acknowledge",
        f"/meetings/{m}/observers/1/acknowledge",
    ]


def _denied(app: Flask, user_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.actor_id == user_id, AuditEvent.outcome == Outcome.DENIED
                )
            )
        )


@pytest.mark.parametrize(
    "who", ["other_chair", "rep", "uninvited_rep", "admin", "dpo", "other_coordinator"]
)
def test_chair_pages_refuse_people_who_do_not_run_the_meeting(
    who: str, app, world, auth, client, make_user
) -> None:
    if who == "admin":
        user, expected = make_user(Role.ADMIN), 403
    elif who == "dpo":
        user, expected = make_user(Role.DPO), 403
    elif who == "other_coordinator":
        user, expected = make_user(Role.COORDINATOR, area=world.other_area), 404
    else:
        user = getattr(world, who)
        expected = 404 if who == "other_chair" else 403
    auth.sign_in_as(user)
    for path in _get_paths(world):
        response = client.get(path)
        assert response.status_code == expected, (path, response.status_code)
        assert b"Hugo Health" not in response.data
    token = csrf_token(client, "/")
    for path in _post_paths(world):
        response = client.post(
            path, data={"csrf_token": token, "status": "present", "statement_version": "1"}
        )
        # Acknowledging on someone's behalf is the chair's alone: a coordinator's role may
        # never do it (403); any other refusal here is about this meeting (404) or the role.
        chair_only = path.endswith("/acknowledge")
        post_expected = 403 if who == "other_coordinator" and chair_only else expected
        assert response.status_code == post_expected, path
    with app.app_context():
        assert db.session.scalars(sa.select(Attendance)).first() is None
    assert _denied(app, user.id)


def test_own_acknowledgement_page_refuses_people_who_cannot_see_the_meeting(
    world, auth, client
) -> None:
    auth.sign_in_as(world.uninvited_rep)
    assert client.get(f"/meetings/{world.meeting.id}/acknowledge").status_code == 404
    auth.sign_out()
    auth.sign_in_as(world.other_chair)
    assert client.get(f"/meetings/{world.meeting.id}/acknowledge").status_code == 404


def test_coordinator_may_take_attendance_but_not_acknowledge_for_people(
    app, world, auth, client
) -> None:
    auth.sign_in_as(world.coordinator)
    for path in _get_paths(world):
        assert client.get(path).status_code == 200, path
    response = auth.post(
        f"/meetings/{world.meeting.id}/attendance/people/{world.rep.id}", {"status": "present"}
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalars(sa.select(Attendance)).one()
    token = csrf_token(client, "/")
    response = client.post(
        f"/meetings/{world.meeting.id}/attendance/{row.id}/acknowledge", data={"csrf_token": token}
    )
    assert response.status_code == 403


def test_records_of_another_meeting_are_404(app, world, auth, client, make_meeting) -> None:
    other = make_meeting(world.area, invite=[world.rep])
    with app.app_context():
        row = Attendance(
            meeting_id=other.id,
            user_id=world.rep.id,
            name="Priya Police",
            agency_id=world.police.id,
            status="present",
            recorded_by_id=world.chair.id,
        )
        observer = Observer(
            meeting_id=other.id,
            name="O",
            organisation="X",
            chair_agreed=True,
            agreement_recorded_by_id=world.chair.id,
        )
        db.session.add_all([row, observer])
        db.session.commit()
        row_id, observer_id = row.id, observer.id
    auth.sign_in_as(world.chair)
    token = csrf_token(client, "/")
    m = world.meeting.id
    assert (
        client.post(
            f"/meetings/{m}/attendance/{row_id}/acknowledge", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/meetings/{m}/observers/{observer_id}/acknowledge", data={"csrf_token": token}
        ).status_code
        == 404
    )
    # A person not invited to this meeting cannot be recorded through the invitee page.
    assert client.get(f"/meetings/{m}/attendance/people/{world.coordinator.id}").status_code == 404
    assert client.get("/meetings/999999/open").status_code == 404


def test_meeting_panel_and_chair_home(app, world, auth, client) -> None:
    template = '{% include "attendance/_meeting_panel.html" %}'
    with app.test_request_context():
        meeting = db.session.get(Meeting, world.meeting.id)
        login_user(db.session.merge(world.chair))
        html = render_template_string(template, meeting=meeting)
    assert "Open the meeting" in html and "Run the meeting" in html
    assert "steps are missing" in html

    with app.test_request_context():
        meeting = db.session.get(Meeting, world.meeting.id)
        login_user(db.session.merge(world.rep))
        assert "Running the meeting" not in render_template_string(template, meeting=meeting)

    auth.sign_in_as(world.chair)
    home = client.get("/").get_data(as_text=True)
    assert f"/meetings/{world.meeting.id}/open" in home
