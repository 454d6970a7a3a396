"""Attendance at speed: everyone present in one step, the chair on the list, several
acknowledgements recorded at once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from marac_app.attendance.models import (
    AcknowledgementMethod,
    Attendance,
    AttendanceStatus,
    ConfidentialityAcknowledgement,
)
from marac_app.extensions import db
from tests.attendance.conftest import World, audit_actions


def _url(world: World, suffix: str) -> str:
    return f"/meetings/{world.meeting.id}/{suffix}"


def _rows(app: Flask, world: World) -> dict[str, Attendance]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Attendance).where(Attendance.meeting_id == world.meeting.id)
        )
        return {row.name: row for row in rows}


def _everyone(auth, world: World):
    return auth.post(
        _url(world, "attendance/everyone-present"), {}, form_path=_url(world, "attendance")
    )


def test_the_chair_is_on_the_attendance_list(app, world, auth, client) -> None:
    auth.sign_in_as(world.coordinator)
    html = client.get(_url(world, "attendance")).get_data(as_text=True)
    assert 'Charlie Chair <span class="govuk-body-s">(chair)</span>' in html
    assert f"attendance/people/{world.chair.id}" in html
    # The chair's attendance is recorded like anyone's.
    response = auth.post(_url(world, f"attendance/people/{world.chair.id}"), {"status": "present"})
    assert response.status_code == 302
    assert _rows(app, world)["Charlie Chair"].status == AttendanceStatus.PRESENT


def test_mark_everyone_present_then_change_the_exceptions(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    page = client.get(_url(world, "attendance")).get_data(as_text=True)
    assert "Mark everyone invited as present" in page
    response = _everyone(auth, world)
    assert response.status_code == 302
    rows = _rows(app, world)
    # Everyone expected and signed up: the two representatives and the chair.
    assert {name for name, row in rows.items() if row.status == AttendanceStatus.PRESENT} == {
        "Priya Police",
        "Hana Housing",
        "Charlie Chair",
    }
    # Hugo's agency has not signed the protocol: left out and named.
    assert "Hugo Health" not in rows
    followed = client.get(_url(world, "attendance")).get_data(as_text=True)
    assert "3 people have been marked present" in followed
    assert "Hugo Health was not marked present" in followed
    assert len(audit_actions(app, "attendance_recorded")) == 3

    # The exception: Hana sent apologies after all.
    changed = auth.post(
        _url(world, f"attendance/people/{world.rep2.id}"),
        {"status": "apologies", "information_sent": "yes"},
    )
    assert changed.status_code == 302
    assert _rows(app, world)["Hana Housing"].status == AttendanceStatus.APOLOGIES

    # Again: nobody left to mark, and Hana's apologies stay.
    assert _everyone(auth, world).status_code == 302
    assert _rows(app, world)["Hana Housing"].status == AttendanceStatus.APOLOGIES


def test_other_areas_chair_cannot_mark_everyone_present(app, world, auth) -> None:
    auth.sign_in_as(world.other_chair)
    token_page = "/"
    response = _everyone_with(auth, world, token_page)
    assert response.status_code == 404
    assert _rows(app, world) == {}


def _everyone_with(auth, world: World, form_path: str):
    return auth.post(_url(world, "attendance/everyone-present"), {}, form_path=form_path)


def test_chair_records_several_acknowledgements_at_once(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    auth.post(_url(world, "open"), {"statement_version": "1"})
    _everyone(auth, world)
    auth.post(
        _url(world, "attendance/observers"),
        {
            "observer-name": "Olive Observer",
            "observer-organisation": "University",
            "observer-chair_agreed": "y",
        },
    )
    page = client.get(_url(world, "attendance")).get_data(as_text=True)
    assert "Record the selected acknowledgements" in page
    rows = _rows(app, world)
    with app.app_context():
        from marac_app.attendance.models import Observer

        observer = db.session.scalar(sa.select(Observer))
    chosen = [f"attendance-{rows['Priya Police'].id}", f"attendance-{rows['Charlie Chair'].id}"]
    chosen.append(f"observer-{observer.id}")
    response = auth.post(
        _url(world, "attendance/acknowledgements"),
        {"several-people": chosen},
        form_path=_url(world, "attendance"),
    )
    assert response.status_code == 302
    with app.app_context():
        acks = db.session.scalars(sa.select(ConfidentialityAcknowledgement)).all()
        assert len(acks) == 3
        assert {a.method for a in acks} == {AcknowledgementMethod.RECORDED_BY_CHAIR}
    assert len(audit_actions(app, "confidentiality_acknowledged")) == 3
    html = client.get(_url(world, "attendance")).get_data(as_text=True)
    assert "3 acknowledgements of the confidentiality statement have been recorded" in html
    # Only Hana remains to acknowledge.
    assert f"attendance-{rows['Hana Housing'].id}" in html
    assert f'attendance-{rows["Priya Police"].id}"' not in html


def test_several_acknowledgements_refuse_nothing_and_strangers(app, world, auth, client) -> None:
    auth.sign_in_as(world.chair)
    auth.post(_url(world, "open"), {"statement_version": "1"})
    _everyone(auth, world)
    empty = auth.post(
        _url(world, "attendance/acknowledgements"), {}, form_path=_url(world, "attendance")
    )
    assert empty.status_code == 400
    assert "Select the people who have acknowledged" in empty.get_data(as_text=True)
    stranger = auth.post(
        _url(world, "attendance/acknowledgements"),
        {"several-people": ["attendance-999999"]},
        form_path=_url(world, "attendance"),
    )
    assert stranger.status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(ConfidentialityAcknowledgement)).all() == []


def test_only_the_chair_records_several_acknowledgements(app, world, auth) -> None:
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        _url(world, "attendance/acknowledgements"),
        {"several-people": ["attendance-1"]},
        form_path=_url(world, "attendance"),
    )
    assert response.status_code == 403
