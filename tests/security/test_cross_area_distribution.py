"""One agency serving two areas, at the distribution of approved minutes (issue 11 §3).

The distribution world's police force serves area CAM (the approved meeting) and PBO. Police
has a representative in each area; the PBO one is invited to and present at a PBO meeting and
owns a PBO action, and was never invited to the CAM meeting. "Who receives the minutes" of the
CAM meeting must neither offer nor pre-tick them, refuse them when a POST is forged, and the
CAM minutes and police action extract stay 404 for them even with a recipient row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem
from marac_app.agencies.models import Agency, MaracArea
from marac_app.attendance.models import Attendance, AttendanceStatus
from marac_app.auth.models import Role, User
from marac_app.db import utcnow
from marac_app.distribution.models import MinutesRecipient
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.referrals.models import AgendaItem, Case
from tests.conftest import Auth
from tests.distribution.world import DW, dw  # noqa: F401 - the approved CAM meeting (fixture)


@dataclass
class TwoAreas:
    dw: DW
    pbo: MaracArea
    pbo_rep: User  # police, area PBO: invited to and present at the PBO meeting
    pbo_meeting: Meeting

    @property
    def base(self) -> str:
        return self.dw.base


@pytest.fixture()
def two(app: Flask, dw: DW, make_user) -> TwoAreas:
    with app.app_context():
        police = db.session.get(Agency, dw.police.id)
        pbo = db.session.get(MaracArea, dw.other_coordinator.area_id)
        police.areas.append(pbo)
        db.session.commit()
        db.session.refresh(pbo)
    pbo_rep = make_user(Role.AGENCY_REP, agency=dw.police, area=pbo, name="Pablo Pbo-Police")
    with app.app_context():
        starts = utcnow() + timedelta(days=3)
        meeting = Meeting(
            area_id=pbo.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            venue="PBO Room",
            chair_id=dw.other_chair.id,
        )
        db.session.add(meeting)
        db.session.flush()
        case = Case(area_id=pbo.id, reference=f"PBO-2026-{meeting.id:04d}")
        db.session.add(case)
        db.session.flush()
        item = AgendaItem(meeting_id=meeting.id, case_id=case.id, position=1)
        db.session.add_all(
            [
                item,
                Invitation(meeting_id=meeting.id, user_id=pbo_rep.id, agency_id=dw.police.id),
                Attendance(
                    meeting_id=meeting.id,
                    user_id=pbo_rep.id,
                    name=pbo_rep.name,
                    agency_id=dw.police.id,
                    status=AttendanceStatus.PRESENT,
                    recorded_by_id=dw.other_chair.id,
                ),
            ]
        )
        db.session.flush()
        db.session.add(
            ActionItem(
                case_id=case.id,
                agenda_item_id=item.id,
                meeting_id=meeting.id,
                owner_agency_id=dw.police.id,
                description="PBOACTION check the address",
                due_date=(starts + timedelta(days=7)).date(),
            )
        )
        db.session.commit()
        db.session.refresh(meeting)
    return TwoAreas(dw, pbo, pbo_rep, meeting)


def _recipient_ids(app: Flask, meeting_id: int) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                sa.select(MinutesRecipient.user_id).where(MinutesRecipient.meeting_id == meeting_id)
            )
        )


def test_the_recipients_page_never_offers_or_ticks_another_areas_people(
    auth: Auth, two: TwoAreas
) -> None:
    w = two.dw
    auth.sign_in_as(w.coordinator)
    response = auth.client.get(f"{two.base}/recipients")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="people"[^>]*>', page)
    offered = {re.search(r'value="(\d+)"', box).group(1) for box in boxes}
    checked = {re.search(r'value="(\d+)"', box).group(1) for box in boxes if "checked" in box}
    assert str(w.rep.id) in offered  # the page does list people
    assert str(two.pbo_rep.id) not in offered and two.pbo_rep.name not in page
    assert str(w.other_chair.id) not in offered and str(w.other_coordinator.id) not in offered
    # Police attended, so its reps *of this area who were invited or present* are ticked.
    assert checked == {str(u.id) for u in (w.rep, w.housing_rep, w.chair)}
    assert str(w.police_rep2.id) not in offered  # police, CAM's agency, but never invited


def test_a_forged_post_with_another_areas_person_is_refused_and_nothing_saved(
    app: Flask, auth: Auth, two: TwoAreas
) -> None:
    w = two.dw
    auth.sign_in_as(w.coordinator)
    for people in ([w.rep, two.pbo_rep], [two.pbo_rep], [w.rep, w.other_chair]):
        response = auth.post(f"{two.base}/recipients", {"people": [str(p.id) for p in people]})
        assert response.status_code == 400, [p.name for p in people]
        assert "Select people from the list" in response.get_data(as_text=True)
        assert _recipient_ids(app, w.meeting.id) == set()


def test_another_areas_rep_never_downloads_even_with_a_recipient_row(
    app: Flask, auth: Auth, two: TwoAreas
) -> None:
    """A recipient row saved before this rule (or for someone who moved area) opens nothing."""
    w = two.dw
    with app.app_context():
        db.session.add(
            MinutesRecipient(
                meeting_id=w.meeting.id,
                user_id=two.pbo_rep.id,
                agency_id=w.police.id,
                added_by_id=w.coordinator.id,
                added_at=utcnow(),
            )
        )
        db.session.commit()
    auth.sign_in_as(two.pbo_rep)
    for path in (
        f"{two.base}/minutes.pdf",
        f"{two.base}/actions/{w.police.id}.pdf",
        f"/meetings/{w.meeting.id}",
        f"/cases/{w.case.id}",
    ):
        response = auth.client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert b"%PDF" not in response.data, path
    # Their own area still works: their PBO action is listed, CAM's police action is not.
    for path in ("/", "/actions/"):
        body = auth.client.get(path).get_data(as_text=True)
        assert "PBOACTION" in body and "POLICEACTION" not in body, path
        assert w.case.reference not in body, path


def test_invitations_never_offer_another_areas_rep(app: Flask, auth: Auth, two: TwoAreas) -> None:
    w = two.dw
    auth.sign_in_as(w.coordinator)
    page = auth.client.get(f"/meetings/{w.meeting.id}/invitations").get_data(as_text=True)
    assert two.pbo_rep.name not in page
    assert w.police_rep2.name in page  # police's rep without an area may be invited in CAM
    refused = auth.post(f"/meetings/{w.meeting.id}/invitations", {"people": [str(two.pbo_rep.id)]})
    assert refused.status_code == 400
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Invitation)
                .where(Invitation.meeting_id == w.meeting.id, Invitation.user_id == two.pbo_rep.id)
            )
            == 0
        )
