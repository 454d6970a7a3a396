"""A returned item made into a minute entry in one step, at the meeting."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.models import MinuteEntry, MinutesApproval
from marac_app.protocol.models import ProtocolSignature
from marac_app.research.models import ResearchReturnItem
from tests.conftest import Auth
from tests.fixtures import open_confidentiality_gate
from tests.research.conftest import (
    WITHHELD,
    ResearchWorld,
    move_meeting,
    return_data,
    submit_return,
)

OPINION = ("perpetrator", "professional_opinion", "<p>OPINION-TEXT escalating control</p>")


def _case_page(rw: ResearchWorld) -> str:
    return f"/minutes/meetings/{rw.meeting.id}/cases/{rw.case.id}"


def _at_the_meeting(app: Flask, auth: Auth, rw: ResearchWorld) -> int:
    """Housing returned an opinion before the deadline; the meeting is now, its gate open.
    Returns the returned item's id."""
    assert (
        submit_return(auth, rw, rw.housing_rep, return_data(OPINION, withheld=WITHHELD)).status_code
        == 302
    )
    move_meeting(app, rw.meeting, days=0)
    with app.app_context():
        open_confidentiality_gate(
            db.session.get(Meeting, rw.meeting.id), rw.chair.id, rw.police_rep.id
        )
        db.session.commit()
        return db.session.scalar(sa.select(ResearchReturnItem.id))


def test_the_chair_sees_returns_and_makes_an_entry_keeping_kind_subject_and_source(
    app: Flask, auth: Auth, rw: ResearchWorld
) -> None:
    item_id = _at_the_meeting(app, auth, rw)
    auth.sign_in_as(rw.chair)
    page = auth.client.get(_case_page(rw)).get_data(as_text=True)
    assert 'id="research-returns"' in page and "OPINION-TEXT" in page
    assert "WITHHELD-MARK" in page  # the chair may read it
    response = auth.post(
        f"/research/meetings/{rw.meeting.id}/cases/{rw.case.id}/make-entry",
        {"return_item": str(item_id)},
        form_path=_case_page(rw),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{rw.case.id}#research-returns")
    with app.app_context():
        (entry,) = db.session.scalars(sa.select(MinuteEntry))
        assert entry.kind.value == "professional_opinion"
        assert entry.subject.value == "perpetrator"
        assert entry.source_agency_id == rw.housing.id
        assert "OPINION-TEXT" in entry.text_html and "WITHHELD" not in entry.text_html
        assert db.session.get(ResearchReturnItem, item_id).minute_entry_id == entry.id
    # Once only.
    again = auth.post(
        f"/research/meetings/{rw.meeting.id}/cases/{rw.case.id}/make-entry",
        {"return_item": str(item_id)},
        form_path=_case_page(rw),
    )
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MinuteEntry)) == 1


def test_refused_once_approved_or_when_the_agency_is_not_signed_up(
    app: Flask, auth: Auth, rw: ResearchWorld
) -> None:
    item_id = _at_the_meeting(app, auth, rw)
    url = f"/research/meetings/{rw.meeting.id}/cases/{rw.case.id}/make-entry"
    with app.app_context():
        for signature in db.session.scalars(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == rw.housing.id)
        ):
            signature.withdrawn_on = signature.signed_on
        db.session.commit()
    auth.sign_in_as(rw.chair)
    assert (
        auth.post(url, {"return_item": str(item_id)}, form_path=_case_page(rw)).status_code == 302
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MinuteEntry)) == 0
        for signature in db.session.scalars(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == rw.housing.id)
        ):
            signature.withdrawn_on = None
        db.session.add(MinutesApproval(meeting_id=rw.meeting.id, approved_by_id=rw.chair.id))
        db.session.commit()
    assert (
        auth.post(url, {"return_item": str(item_id)}, form_path=_case_page(rw)).status_code == 302
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MinuteEntry)) == 0


def test_reps_cannot_make_entries_and_odd_ids_are_404(
    app: Flask, auth: Auth, rw: ResearchWorld
) -> None:
    item_id = _at_the_meeting(app, auth, rw)
    url = f"/research/meetings/{rw.meeting.id}/cases/{rw.case.id}/make-entry"
    auth.sign_in_as(rw.housing_rep)
    token_page = auth.client.get(rw.returns_url()).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page)
    if token:
        response = auth.client.post(
            url, data={"csrf_token": token.group(1), "return_item": str(item_id)}
        )
        assert response.status_code == 404
    auth.sign_out()
    auth.sign_in_as(rw.chair)
    for value in ("", "abc", "0", "99999999999999999999", str(item_id + 1000)):
        response = auth.post(url, {"return_item": value}, form_path=_case_page(rw))
        assert response.status_code in (400, 404), value
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MinuteEntry)) == 0
