"""Progress updates that leave an action open, and who may post them (points of contact)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marac_app.action_items.models import ActionItem, ActionStatus, ActionStatusUpdate, UpdateKind
from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.common.time import london_today as today
from marac_app.extensions import db
from tests.conftest import csrf_token


@pytest.fixture()
def world(app, make_area, signed_agency, make_case, make_user, make_action, invited_rep):
    area, other_area = make_area(), make_area()
    housing = signed_agency(area, kind=AgencyKind.HOUSING, name="Test Housing P")
    police = signed_agency(area, name="Test Police P")
    # Housing serves the other area too.
    with app.app_context():
        agency = db.session.get(Agency, housing.id)
        agency.areas.append(db.session.get(MaracArea, other_area.id))
        db.session.commit()
    case = make_case(area)
    uninvited_case = make_case(area)
    far_case = make_case(other_area)
    return {
        "area": area,
        "other_area": other_area,
        "housing": housing,
        "police": police,
        "action": make_action(case, housing, description="Fit locks alpha"),
        "uninvited": make_action(uninvited_case, housing, description="Uninvited bravo"),
        "far": make_action(far_case, housing, description="Far away charlie"),
        "police_action": make_action(case, police, description="Police delta"),
        "rep": invited_rep(housing, [case], area=area),
        "contact": make_user(Role.AGENCY_REP, agency=housing, area=area),
        "police_rep": invited_rep(police, [case], area=area),
        "coordinator": make_user(Role.COORDINATOR, area=area),
        "other_coordinator": make_user(Role.COORDINATOR, area=other_area),
    }


def _version(client, action_id: int) -> str:
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    match = re.search(r'name="progress-version" value="(\d+)"', page)
    assert match, page[:2000]
    return match.group(1)


def _progress(client, action_id: int, note: str, *, version: str | None = None, **extra):
    token = csrf_token(client, f"/actions/{action_id}")
    now = today()
    data = {
        "csrf_token": token,
        "progress-version": version or _version(client, action_id),
        "progress-note": note,
        "progress-dated-day": str(now.day),
        "progress-dated-month": str(now.month),
        "progress-dated-year": str(now.year),
        **extra,
    }
    return client.post(f"/actions/{action_id}/progress", data=data)


def test_rep_posts_progress_kept_as_history_and_action_stays_open(world, auth, client, app):
    auth.sign_in_as(world["rep"])
    action_id = world["action"].id
    assert _progress(client, action_id, "Visited, waiting for locksmith").status_code == 302
    assert _progress(client, action_id, "Locksmith booked for Friday").status_code == 302
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "In progress" in page and "Locksmith booked for Friday" in page
    assert "Visited, waiting for locksmith" in page  # the history keeps both
    with app.app_context():
        action = db.session.get(ActionItem, action_id)
        assert action.status is ActionStatus.OPEN and action.in_progress
        updates = db.session.scalars(
            sa.select(ActionStatusUpdate).where(ActionStatusUpdate.action_id == action_id)
        ).all()
        assert [u.kind for u in updates] == [UpdateKind.PROGRESS, UpdateKind.PROGRESS]
        assert all(u.dated == today() and u.by_id == world["rep"].id for u in updates)
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "action_progress_posted")
        ).all()
        assert len(events) == 2 and all(e.object_id == str(action_id) for e in events)
        assert all("locksmith" not in (e.detail or "").lower() for e in events)


def test_completing_after_progress_keeps_history_and_ends_in_progress(world, auth, client, app):
    auth.sign_in_as(world["rep"])
    action_id = world["action"].id
    _progress(client, action_id, "Visited, waiting for locksmith")
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    now = today()
    response = client.post(
        f"/actions/{action_id}/status",
        data={
            "csrf_token": csrf_token(client, f"/actions/{action_id}"),
            "version": version,
            "status": "completed",
            "note": "Locks fitted",
            "dated-day": str(now.day),
            "dated-month": str(now.month),
            "dated-year": str(now.year),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        action = db.session.get(ActionItem, action_id)
        assert action.status is ActionStatus.COMPLETED and not action.in_progress
        assert [u.kind for u in action.updates] == [UpdateKind.PROGRESS, UpdateKind.STATUS]
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Post progress" not in page  # closed: no progress form
    assert _progress(client, action_id, "late", version="1").status_code in (400, 409)


def test_stale_progress_is_409_and_keeps_the_text(world, auth, client, app):
    auth.sign_in_as(world["rep"])
    action_id = world["action"].id
    stale = _version(client, action_id)
    assert _progress(client, action_id, "First update").status_code == 302
    response = _progress(client, action_id, "My unsaved words", version=stale)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "My unsaved words" in text and "First update" in text
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).where(ActionStatusUpdate.action_id == action_id)
        )
        assert count == 1


@pytest.mark.parametrize(
    ("note", "extra", "message"),
    [
        ("", {}, "Enter the progress on this action"),
        ("x" * 2001, {}, "2000 characters or fewer"),
        ("ok", {"progress-dated-year": str(today().year + 1)}, "today or in the past"),
        ("ok", {"progress-dated-month": "13"}, "real date"),
        ("ok", {"progress-version": "not-a-number"}, "Someone else updated"),
    ],
)
def test_bad_progress_is_4xx_with_the_text_reshown(world, auth, client, app, note, extra, message):
    auth.sign_in_as(world["rep"])
    action_id = world["action"].id
    response = _progress(client, action_id, note, **extra)
    assert 400 <= response.status_code < 500
    text = response.get_data(as_text=True)
    assert message in text
    if note and len(note) < 100:
        assert note in text
    with app.app_context():
        assert db.session.get(ActionItem, action_id).progress_at is None


def test_html_in_progress_is_shown_as_text(world, auth, client):
    auth.sign_in_as(world["rep"])
    action_id = world["action"].id
    assert _progress(client, action_id, "<script>alert(1)</script>").status_code == 302
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_point_of_contact_sees_and_updates_all_agency_actions_of_their_area(
    world, auth, client, name_contact
):
    contact = world["contact"]
    auth.sign_in_as(contact)
    # Not invited to any meeting and not yet a point of contact: nothing.
    assert client.get(f"/actions/{world['action'].id}").status_code == 404
    name_contact(contact, world["area"])
    for action in ("action", "uninvited"):
        assert client.get(f"/actions/{world[action].id}").status_code == 200
    assert _progress(client, world["uninvited"].id, "Called the tenant").status_code == 302
    listing = client.get("/actions/").get_data(as_text=True)
    assert "Fit locks alpha" in listing and "Uninvited bravo" in listing
    # Another agency's action and the agency's action in the other area stay hidden.
    assert "Police delta" not in listing and "Far away charlie" not in listing
    assert client.get(f"/actions/{world['police_action'].id}").status_code == 404
    assert client.get(f"/actions/{world['far'].id}").status_code == 404
    token = csrf_token(client, f"/actions/{world['action'].id}")
    for other in ("police_action", "far"):
        response = client.post(
            f"/actions/{world[other].id}/progress",
            data={"csrf_token": token, "progress-version": "1", "progress-note": "x"},
        )
        assert response.status_code == 404


def test_invited_rep_sees_only_invited_cases_and_other_agency_is_404(world, auth, client):
    auth.sign_in_as(world["rep"])
    assert client.get(f"/actions/{world['uninvited'].id}").status_code == 404
    assert client.get(f"/actions/{world['far'].id}").status_code == 404
    auth.sign_out()
    auth.sign_in_as(world["police_rep"])
    assert client.get(f"/actions/{world['action'].id}").status_code == 404
    response = _progress(client, world["police_action"].id, "Police progress")
    assert response.status_code == 302
    token = csrf_token(client, "/actions/")
    response = client.post(
        f"/actions/{world['action'].id}/progress",
        data={"csrf_token": token, "progress-version": "1", "progress-note": "x"},
    )
    assert response.status_code == 404


def test_agency_in_two_areas_contact_sees_each_area_only_where_named(
    world, auth, client, make_user, name_contact
):
    """A point of contact without an area of their own, named in one of the agency's two
    areas, sees that area's actions only."""
    roaming = make_user(Role.AGENCY_REP, agency=world["housing"])
    name_contact(roaming, world["other_area"])
    auth.sign_in_as(roaming)
    assert client.get(f"/actions/{world['far'].id}").status_code == 200
    assert client.get(f"/actions/{world['action'].id}").status_code == 404
    assert client.get(f"/actions/{world['uninvited'].id}").status_code == 404


def test_coordinator_names_points_of_contact_of_their_area_only(world, auth, client, app):
    from marac_app.action_items.chasing_models import PointOfContact

    housing = world["housing"].id
    auth.sign_in_as(world["coordinator"])
    page = client.get(f"/actions/agencies/{housing}/contacts")
    assert page.status_code == 200
    token = csrf_token(client, f"/actions/agencies/{housing}/contacts")
    response = client.post(
        f"/actions/agencies/{housing}/contacts",
        data={"csrf_token": token, "contacts": [str(world["contact"].id)]},
    )
    assert response.status_code == 302
    # Someone of another agency cannot be named.
    response = client.post(
        f"/actions/agencies/{housing}/contacts",
        data={"csrf_token": token, "contacts": [str(world["police_rep"].id)]},
    )
    assert response.status_code == 400
    assert "Choose points of contact from the representatives" in response.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(sa.select(PointOfContact)).all()
        assert [(r.user_id, r.area_id) for r in rows] == [(world["contact"].id, world["area"].id)]
    auth.sign_out()
    # An agency that does not serve the coordinator's area: 404.
    auth.sign_in_as(world["other_coordinator"])
    assert client.get(f"/actions/agencies/{world['police'].id}/contacts").status_code == 404
    auth.sign_out()
    auth.sign_in_as(world["rep"])
    assert client.get(f"/actions/agencies/{housing}/contacts").status_code == 403


def test_progress_date_in_the_past_is_kept(world, auth, client, app):
    auth.sign_in_as(world["rep"])
    day = today() - timedelta(days=3)
    response = _progress(
        client,
        world["action"].id,
        "Visited on Monday",
        **{
            "progress-dated-day": str(day.day),
            "progress-dated-month": str(day.month),
            "progress-dated-year": str(day.year),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        update = db.session.scalars(sa.select(ActionStatusUpdate)).one()
        assert update.dated == day
