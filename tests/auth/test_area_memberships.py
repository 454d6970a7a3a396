"""A person in several MARAC areas (issue 15): changing the area they work in, the refusal of
an area that is not theirs (404), signing in again, and the admin user form."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.agencies.models import Agency, MaracArea
from marac_app.audit import AuditEvent, Outcome
from marac_app.auth.models import Role, User, UserArea
from marac_app.extensions import db
from tests.conftest import Auth, csrf_token


def add_areas(app: Flask, user: User, *areas: MaracArea) -> None:
    with app.app_context():
        for area in areas:
            db.session.add(UserArea(user_id=user.id, area_id=area.id))
        db.session.commit()


def working_area_id(app: Flask, user: User) -> int | None:
    with app.app_context():
        return db.session.get(User, user.id).area_id


def membership_ids(app: Flask, user: User) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(sa.select(UserArea.area_id).where(UserArea.user_id == user.id))
        )


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        db.session.expunge_all()
        return found


@pytest.fixture()
def two_areas(make_area, make_agency, make_user, make_meeting, sign_up, app):
    """A police coordinator working in Cambridge who also covers Fenland, a meeting in each."""
    cambridge, fenland = make_area(name="Cambridge"), make_area(name="Fenland")
    other = make_area(name="Peterborough")
    police = make_agency(areas=[cambridge, fenland])
    sign_up(police)
    coordinator = make_user(Role.COORDINATOR, agency=police, area=cambridge)
    add_areas(app, coordinator, cambridge, fenland)
    meeting_c = make_meeting(cambridge, days=7)
    meeting_f = make_meeting(fenland, days=7)
    meeting_p = make_meeting(other, days=7)
    return {
        "cambridge": cambridge,
        "fenland": fenland,
        "other": other,
        "police": police,
        "coordinator": coordinator,
        "meetings": (meeting_c, meeting_f, meeting_p),
    }


def switch(auth: Auth, area_id: object):
    return auth.post("/account/area", {"area": str(area_id)}, form_path="/account/area")


def test_a_one_area_person_is_offered_no_change(auth: Auth, make_user) -> None:
    user = make_user(Role.COORDINATOR)
    auth.sign_in_as(user)
    home = auth.client.get("/").get_data(as_text=True)
    assert "Working in:" not in home and "Change area" not in home
    page = auth.client.get("/account/area")
    assert page.status_code == 200
    assert "You work in one MARAC area" in page.get_data(as_text=True)


def test_a_two_area_person_changes_area_and_sees_only_it(app: Flask, auth: Auth, two_areas) -> None:
    coordinator = two_areas["coordinator"]
    meeting_c, meeting_f, _ = two_areas["meetings"]
    auth.sign_in_as(coordinator)
    home = auth.client.get("/").get_data(as_text=True)
    assert re.search(r"Working in: Cambridge · <a[^>]*>Change area</a>", home)
    assert auth.client.get(f"/meetings/{meeting_c.id}").status_code == 200
    assert auth.client.get(f"/meetings/{meeting_f.id}").status_code == 404
    page = auth.client.get("/account/area").get_data(as_text=True)
    assert "Cambridge MARAC" in page and "Fenland MARAC" in page
    assert "Peterborough" not in page

    response = switch(auth, two_areas["fenland"].id)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = auth.client.get("/").get_data(as_text=True)
    assert "You are now working in Fenland MARAC." in home
    assert "Working in: Fenland" in home
    assert working_area_id(app, coordinator) == two_areas["fenland"].id
    assert auth.client.get(f"/meetings/{meeting_f.id}").status_code == 200
    assert auth.client.get(f"/meetings/{meeting_c.id}").status_code == 404
    (event,) = events(app, "working_area_changed")
    assert event.actor_id == coordinator.id
    assert event.object_id == str(two_areas["fenland"].id)
    assert event.detail == f"from={two_areas['cambridge'].id}"

    # Signing in again puts them in the area they last worked in.
    auth.sign_out()
    auth.sign_in_as(coordinator)
    assert "Working in: Fenland" in auth.client.get("/").get_data(as_text=True)
    assert auth.client.get(f"/meetings/{meeting_f.id}").status_code == 200
    assert auth.client.get(f"/meetings/{meeting_c.id}").status_code == 404


def test_an_area_that_is_not_theirs_is_404(app: Flask, auth: Auth, two_areas) -> None:
    coordinator = two_areas["coordinator"]
    auth.sign_in_as(coordinator)
    for area_id in (two_areas["other"].id, 999_999_999):
        assert switch(auth, area_id).status_code == 404
    assert working_area_id(app, coordinator) == two_areas["cambridge"].id
    denied = events(app, "access_denied")
    assert [e.outcome for e in denied] == [Outcome.DENIED]  # the existing, other area
    assert denied[0].object_id == str(two_areas["other"].id)
    assert events(app, "working_area_changed") == []
    # Not an id at all, or nothing chosen: the form says so.
    for value in ("not-an-id", ""):
        answer = switch(auth, value)
        assert answer.status_code == 400
        assert "Select the MARAC area you are working in" in answer.get_data(as_text=True)
    assert working_area_id(app, coordinator) == two_areas["cambridge"].id


def test_changing_area_needs_the_csrf_token_and_a_sign_in(
    app: Flask, auth: Auth, two_areas
) -> None:
    coordinator = two_areas["coordinator"]
    fenland = two_areas["fenland"].id
    anonymous = app.test_client()
    answer = anonymous.get("/account/area")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in")
    assert anonymous.post("/account/area", data={"area": str(fenland)}).status_code == 400
    auth.sign_in_as(coordinator)
    assert auth.client.post("/account/area", data={"area": str(fenland)}).status_code == 400
    assert working_area_id(app, coordinator) == two_areas["cambridge"].id


# --- The admin user form -------------------------------------------------------------


def user_form(user: User, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "version": str(user.version),
        "name": user.name,
        "email": user.email,
        "job_title": user.job_title,
        "role": user.role.value,
        "agency": str(user.agency_id or ""),
        "area": str(user.area_id or ""),
    }
    data.update(overrides)
    return data


def admin_post(auth: Auth, path: str, data: dict[str, object]):
    token = csrf_token(auth.client, path)
    return auth.client.post(path, data={"csrf_token": token, **data})


def test_an_admin_gives_a_person_a_second_area(
    app: Flask, auth: Auth, make_user, two_areas
) -> None:
    cambridge, fenland = two_areas["cambridge"], two_areas["fenland"]
    officer = make_user(Role.CHAIR, agency=two_areas["police"], area=cambridge)
    auth.sign_in_as(make_user(Role.ADMIN))
    path = f"/admin/users/{officer.id}"
    page = auth.client.get(path).get_data(as_text=True)
    assert "Also works in" in page
    answer = admin_post(auth, path, user_form(officer, also_areas=[str(fenland.id)]))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    assert membership_ids(app, officer) == {cambridge.id, fenland.id}
    assert working_area_id(app, officer) == cambridge.id  # still working in the first area
    (event,) = events(app, "user_areas_changed")
    assert event.object_id == str(officer.id)
    assert event.detail == f"added={cambridge.id},{fenland.id} removed="
    page = auth.client.get(path).get_data(as_text=True)
    assert re.search(rf'value="{fenland.id}"\s+checked', page)

    # Taken away again: the person can no longer change to it.
    with app.app_context():
        version = db.session.get(User, officer.id).version
    answer = admin_post(auth, path, user_form(officer, version=str(version)))
    assert answer.status_code == 302
    assert membership_ids(app, officer) == {cambridge.id}
    assert events(app, "user_areas_changed")[-1].detail == f"added= removed={fenland.id}"
    auth.sign_out()
    auth.sign_in_as(officer)
    assert "Working in:" not in auth.client.get("/").get_data(as_text=True)
    assert switch(auth, fenland.id).status_code == 404


def test_a_new_user_is_made_with_two_areas(app: Flask, auth: Auth, make_user, two_areas) -> None:
    cambridge, fenland = two_areas["cambridge"], two_areas["fenland"]
    auth.sign_in_as(make_user(Role.ADMIN))
    answer = admin_post(
        auth,
        "/admin/users/new",
        {
            "name": "Pat Constable",
            "email": "pat.constable@police.example",
            "job_title": "Detective sergeant",
            "role": "agency_rep",
            "agency": str(two_areas["police"].id),
            "area": str(fenland.id),
            "also_areas": [str(cambridge.id), str(fenland.id)],
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    with app.app_context():
        created = db.session.scalar(sa.select(User).where(User.email.like("pat.constable%")))
        db.session.expunge(created)
    assert created.area_id == fenland.id
    assert membership_ids(app, created) == {cambridge.id, fenland.id}


def test_a_rep_only_in_areas_their_agency_serves(
    app: Flask, auth: Auth, make_user, make_agency: Callable[..., Agency], two_areas
) -> None:
    cambridge, other = two_areas["cambridge"], two_areas["other"]
    rep = make_user(Role.AGENCY_REP, agency=two_areas["police"], area=cambridge)
    auth.sign_in_as(make_user(Role.ADMIN))
    path = f"/admin/users/{rep.id}"
    answer = admin_post(auth, path, user_form(rep, also_areas=[str(other.id)]))
    assert answer.status_code == 400
    assert "Select only MARAC areas the representative&#39;s agency takes part in" in (
        answer.get_data(as_text=True)
    )
    assert membership_ids(app, rep) == set()  # nothing saved
    answer = admin_post(auth, path, user_form(rep, area=str(other.id)))
    assert answer.status_code == 400
    assert "agency takes part in" in answer.get_data(as_text=True)
    assert working_area_id(app, rep) == cambridge.id
    with app.app_context():
        assert db.session.get(User, rep.id).version == rep.version
    # Other areas without a first one are refused too; ids that are no area as well.
    admin_rep = make_user(Role.AGENCY_REP, agency=two_areas["police"])
    answer = admin_post(
        auth, f"/admin/users/{admin_rep.id}", user_form(admin_rep, also_areas=[str(cambridge.id)])
    )
    assert answer.status_code == 400
    assert "before the other areas they work in" in answer.get_data(as_text=True)
    answer = admin_post(auth, path, user_form(rep, also_areas=["999999999"]))
    assert answer.status_code == 400
    assert membership_ids(app, rep) == set()
    assert events(app, "user_areas_changed") == []
