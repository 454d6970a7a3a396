"""The chair's pages, the representative's own acknowledgement and the live case list,
through the real routes on a real database."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from markupsafe import escape

from marac_app.attendance.models import (
    AcknowledgementMethod,
    Attendance,
    AttendanceStatus,
    ConfidentialityAcknowledgement,
    MeetingOpening,
    Observer,
)
from marac_app.extensions import db
from marac_app.referrals.models import AgendaItem, Case
from tests.attendance.conftest import World, audit_actions
from tests.conftest import csrf_token


def _url(world: World, suffix: str) -> str:
    return f"/meetings/{world.meeting.id}/{suffix}"


def _rows(app: Flask, model, **where):
    with app.app_context():
        query = sa.select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(db.session.scalars(query))


def _attendance(app: Flask, world: World) -> list[Attendance]:
    return _rows(app, Attendance, meeting_id=world.meeting.id)


def _mark_read(auth, world: World):
    return auth.post(_url(world, "open"), {"statement_version": "1"})


def _mark(auth, world: World, user, status: str, info: str | None = None):
    data = {"status": status}
    if info is not None:
        data["information_sent"] = info
    return auth.post(_url(world, f"attendance/people/{user.id}"), data)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def test_open_page_shows_the_statement_in_full_and_large(
    app, world, auth, client, statement
) -> None:
    auth.sign_in_as(world.chair)
    page = client.get(_url(world, "open"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    paragraphs = _paragraphs(statement.text)
    assert len(paragraphs) >= 2
    for paragraph in paragraphs:  # every paragraph, every line, large
        lines = [str(escape(line)) for line in paragraph.split("\n")]
        assert f'<p class="govuk-body-l">{"<br>".join(lines)}</p>' in html
    assert f"Version {statement.version_number}" in html
    assert "Mark the statement as read" in html
    assert (
        page.headers["Cache-Control"].startswith("no-store")
        or "no-store" in page.headers["Cache-Control"]
    )
    assert audit_actions(app, "meeting_opening_viewed")


def test_chair_marks_the_statement_read(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    response = _mark_read(auth, world)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(world, "attendance"))
    [opening] = _rows(app, MeetingOpening, meeting_id=world.meeting.id)
    assert (opening.statement_version, opening.read_by_id) == (1, world.chair.id)
    assert opening.read_at.tzinfo is not None
    [event] = audit_actions(app, "confidentiality_statement_marked_read")
    assert event.object_id == str(world.meeting.id) and event.actor_id == world.chair.id
    assert "was marked as read" in client.get(_url(world, "open")).get_data(as_text=True)


def test_marking_a_stale_statement_version_read_is_refused(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    response = auth.post(_url(world, "open"), {"statement_version": "0"})
    assert response.status_code == 409
    assert "has changed since this page was opened" in response.get_data(as_text=True)
    assert _rows(app, MeetingOpening, meeting_id=world.meeting.id) == []


def test_coordinator_sees_the_statement_but_only_the_chair_marks_it_read(
    app, world, auth, client
) -> None:
    auth.sign_in_as(world.coordinator)
    page = client.get(_url(world, "open"))
    assert page.status_code == 200
    assert "Only the chair can mark the statement as read" in page.get_data(as_text=True)
    token = csrf_token(client, _url(world, "open"))
    response = client.post(
        _url(world, "open"), data={"csrf_token": token, "statement_version": "1"}
    )
    assert response.status_code == 403
    assert _rows(app, MeetingOpening, meeting_id=world.meeting.id) == []
    # The coordinator may record attendance.
    assert _mark(auth, world, world.rep, "present").status_code == 302


def test_run_page_shows_what_is_missing_then_the_case_list(app, world, auth, client) -> None:
    with app.app_context():
        case = Case(area_id=world.area.id, reference="TST-2026-0042")
        db.session.add(case)
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=world.meeting.id, case_id=case.id, position=1))
        db.session.commit()
    auth.sign_in_as(world.chair)
    closed = client.get(_url(world, "run")).get_data(as_text=True)
    assert "The chair has not marked the confidentiality statement as read" in closed
    assert "No one has been marked present" in closed
    assert "TST-2026-0042" not in closed

    _mark_read(auth, world)
    _mark(auth, world, world.rep, "present")
    waiting = client.get(_url(world, "run")).get_data(as_text=True)
    assert "Priya Police has not acknowledged the confidentiality statement" in waiting
    assert "TST-2026-0042" not in waiting

    [row] = _attendance(app, world)
    response = auth.post(
        _url(world, f"attendance/{row.id}/acknowledge"), {}, form_path=_url(world, "attendance")
    )
    assert response.status_code == 302
    opened = client.get(_url(world, "run"))
    assert opened.status_code == 200
    assert "TST-2026-0042" in opened.get_data(as_text=True)
    details = [e.detail for e in audit_actions(app, "meeting_case_list_viewed")]
    assert details == ["gate=closed", "gate=closed", "gate=open rows=1"]


def test_rep_acknowledges_on_their_own_device(app, world, auth, client, statement) -> None:
    auth.sign_in_as(world.chair)
    _mark_read(auth, world)
    _mark(auth, world, world.rep, "present")
    auth.sign_out()

    auth.sign_in_as(world.rep)
    page = client.get(_url(world, "acknowledge"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert str(escape(_paragraphs(statement.text)[-1].split("\n")[0])) in html
    assert "I acknowledge the confidentiality statement" in html
    response = auth.post(_url(world, "acknowledge"), {})
    assert response.status_code == 302
    [ack] = _rows(app, ConfidentialityAcknowledgement, meeting_id=world.meeting.id)
    assert ack.method == AcknowledgementMethod.OWN_DEVICE
    assert (ack.recorded_by_id, ack.statement_version) == (world.rep.id, 1)
    assert "You acknowledged version 1" in client.get(_url(world, "acknowledge")).get_data(
        as_text=True
    )
    [event] = audit_actions(app, "confidentiality_acknowledged")
    assert event.actor_id == world.rep.id and "method=own_device" in event.detail


def test_rep_not_marked_present_cannot_acknowledge(app, world, auth, client) -> None:
    auth.sign_in_as(world.rep)
    page = client.get(_url(world, "acknowledge")).get_data(as_text=True)
    assert "has not marked you as present" in page
    assert "I acknowledge the confidentiality statement" not in page
    response = auth.post(_url(world, "acknowledge"), {})
    assert response.status_code == 400
    assert _rows(app, ConfidentialityAcknowledgement, meeting_id=world.meeting.id) == []


def test_person_from_unsigned_agency_cannot_be_marked_present(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    response = _mark(auth, world, world.unsigned_rep, "present")
    assert response.status_code == 400
    assert "has not signed version" in response.get_data(as_text=True)
    assert _attendance(app, world) == []

    with app.app_context():
        health_id = world.health.id
    response = auth.post(
        _url(world, "attendance/present"),
        {"person-name": "Nina Nurse", "person-agency": str(health_id)},
        form_path=_url(world, "attendance"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "has not signed version" in html
    assert 'value="Nina Nurse"' in html  # the user's text is shown again
    assert _attendance(app, world) == []


def test_apologies_record_whether_information_was_sent(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    missing = _mark(auth, world, world.rep2, "apologies")
    assert missing.status_code == 400
    assert "Select whether they sent information before the meeting" in missing.get_data(
        as_text=True
    )
    assert _attendance(app, world) == []

    assert _mark(auth, world, world.rep2, "apologies", "yes").status_code == 302
    [row] = _attendance(app, world)
    assert (row.status, row.information_sent) == (AttendanceStatus.APOLOGIES, True)
    page = client.get(_url(world, "attendance")).get_data(as_text=True)
    assert "Sent apologies (information sent: yes)" in page

    assert _mark(auth, world, world.rep2, "absent", "yes").status_code == 302
    [row] = _attendance(app, world)
    assert (row.status, row.information_sent) == (AttendanceStatus.ABSENT, None)
    assert len(audit_actions(app, "attendance_recorded")) == 2


def test_bad_input_is_refused_with_specific_messages(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    for data in ({}, {"status": "maybe"}, {"status": "<script>x</script>"}):
        response = auth.post(_url(world, f"attendance/people/{world.rep.id}"), data)
        assert response.status_code == 400
        assert "Select whether they are present, sent apologies or are absent" in response.get_data(
            as_text=True
        )

    response = auth.post(
        _url(world, "attendance/present"),
        {"person-name": "   ", "person-agency": "not-a-number"},
        form_path=_url(world, "attendance"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the name of the person present" in html
    assert "Select the agency the person represents" in html

    response = auth.post(
        _url(world, "attendance/present"),
        {"person-name": "x" * 121, "person-agency": "999999"},
        form_path=_url(world, "attendance"),
    )
    assert response.status_code == 400
    assert "Full name must be 120 characters or fewer" in response.get_data(as_text=True)

    response = auth.post(
        _url(world, "attendance/observers"),
        {"observer-name": "Olly <b>Observer</b>", "observer-organisation": ""},
        form_path=_url(world, "attendance"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert str(escape("Enter the observer's organisation")) in html
    assert "Confirm that the chair agrees to the observer attending" in html
    assert "Olly &lt;b&gt;Observer&lt;/b&gt;" in html
    assert _attendance(app, world) == []
    assert _rows(app, Observer, meeting_id=world.meeting.id) == []


def test_chair_adds_people_present_and_observers(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    with app.app_context():
        police_id = world.police.id
    response = auth.post(
        _url(world, "attendance/present"),
        {"person-name": "Dee Duty", "person-agency": str(police_id)},
        form_path=_url(world, "attendance"),
    )
    assert response.status_code == 302
    response = auth.post(
        _url(world, "attendance/observers"),
        {
            "observer-name": "Olly Observer",
            "observer-organisation": "SafeLives",
            "observer-chair_agreed": "y",
        },
        form_path=_url(world, "attendance"),
    )
    assert response.status_code == 302
    [observer] = _rows(app, Observer, meeting_id=world.meeting.id)
    assert observer.chair_agreed and observer.agreement_recorded_by_id == world.chair.id
    page = client.get(_url(world, "attendance")).get_data(as_text=True)
    assert "Dee Duty" in page and "Olly Observer" in page
    assert "Olly Observer (observer) has not acknowledged" in page

    response = auth.post(
        _url(world, f"observers/{observer.id}/acknowledge"), {}, form_path=_url(world, "attendance")
    )
    assert response.status_code == 302
    [ack] = _rows(app, ConfidentialityAcknowledgement, observer_id=observer.id)
    assert ack.method == AcknowledgementMethod.RECORDED_BY_CHAIR
    assert ack.recorded_by_id == world.chair.id
    assert audit_actions(app, "observer_recorded")


def test_acknowledging_for_someone_not_present_is_refused(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    _mark(auth, world, world.rep, "absent")
    [row] = _attendance(app, world)
    response = auth.post(
        _url(world, f"attendance/{row.id}/acknowledge"), {}, form_path=_url(world, "attendance")
    )
    assert response.status_code == 400
    assert "Priya Police has not been marked present" in response.get_data(as_text=True)
    assert _rows(app, ConfidentialityAcknowledgement, meeting_id=world.meeting.id) == []


def test_names_with_nul_or_line_breaks_are_refused(app, world, auth, client) -> None:
    """Issue 11: a NUL or a line break in a name is refused with a message (it used to be
    dropped silently), the text shown again; spaces around the name are still trimmed."""
    auth.sign_in_as(world.chair)
    with app.app_context():
        police_id = world.police.id
    for bad in (" Dee\x00 Duty ", "Dee\r\nDuty"):
        response = auth.post(
            _url(world, "attendance/present"),
            {"person-name": bad, "person-agency": str(police_id)},
            form_path=_url(world, "attendance"),
        )
        assert response.status_code == 400
        assert "Full name must not contain line breaks or control characters" in response.get_data(
            as_text=True
        )
        assert _attendance(app, world) == []
    response = auth.post(
        _url(world, "attendance/present"),
        {"person-name": " Dee Duty ", "person-agency": str(police_id)},
        form_path=_url(world, "attendance"),
    )
    assert response.status_code == 302
    assert [row.name for row in _attendance(app, world)] == ["Dee Duty"]
