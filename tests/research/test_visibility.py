"""Who sees which agency's return, under both area settings, for every role; "information
held but not shared, and why" reaches only the chair, the coordinator and the returning
agency; an agency serving two areas sees only what its invitations in that area allow."""

from __future__ import annotations

import pytest
from flask import Flask

from marac_app.agencies.models import ReturnVisibility
from marac_app.extensions import db
from marac_app.referrals.models import CaseRestriction
from tests.conftest import Auth
from tests.research.conftest import (
    WITHHELD,
    ResearchWorld,
    return_data,
    set_visibility,
    submit_return,
)

POLICE_FACT = ("victim", "fact", "<p>POLICE-FACT attended on 3 January</p>")
HOUSING_FACT = ("victim", "fact", "<p>HOUSING-FACT tenancy warning</p>")


@pytest.fixture()
def returned(auth: Auth, rw: ResearchWorld) -> ResearchWorld:
    """Police returns with something withheld; housing returns a fact."""
    assert (
        submit_return(
            auth, rw, rw.police_rep, return_data(POLICE_FACT, withheld=WITHHELD)
        ).status_code
        == 302
    )
    assert submit_return(auth, rw, rw.housing_rep, return_data(HOUSING_FACT)).status_code == 302
    return rw


def _get(auth: Auth, user, path: str) -> tuple[int, str]:
    auth.sign_in_as(user)
    response = auth.client.get(path)
    body = response.get_data(as_text=True)
    auth.sign_out()
    return response.status_code, body


@pytest.mark.parametrize("visibility", list(ReturnVisibility))
def test_every_role_sees_what_the_setting_allows(
    app: Flask, auth: Auth, returned: ResearchWorld, visibility: ReturnVisibility
) -> None:
    rw = returned
    set_visibility(app, rw.area, visibility)
    everyone = visibility == ReturnVisibility.INVITED_AGENCIES
    police, housing = rw.view_url(rw.police), rw.view_url(rw.housing)
    # (user, sees police's return, sees housing's, sees police's withheld)
    expectations = [
        (rw.coordinator, True, True, True),
        (rw.chair, True, True, True),
        (rw.police_rep, True, everyone, True),
        (rw.housing_rep, everyone, True, False),
        (rw.uninvited_rep, False, False, False),
        (rw.police_rep_b, False, False, False),  # same agency, the other area
        (rw.other_coordinator, False, False, False),
        (rw.other_chair, False, False, False),
        (rw.admin, False, False, False),
        (rw.dpo, False, False, False),
    ]
    for user, sees_police, sees_housing, sees_withheld in expectations:
        status, body = _get(auth, user, police)
        assert status == (200 if sees_police else 404), (user.name, visibility, "police")
        if sees_police:
            assert "POLICE-FACT" in body
            assert ("WITHHELD-MARK" in body) == sees_withheld, (user.name, visibility)
        else:
            assert "POLICE-FACT" not in body and "WITHHELD-MARK" not in body
        status, body = _get(auth, user, housing)
        assert status == (200 if sees_housing else 404), (user.name, visibility, "housing")
        assert "WITHHELD-MARK" not in body
        # The meeting's returns page: never the withheld text, never another area's case.
        status, body = _get(auth, user, rw.returns_url())
        assert "WITHHELD-MARK" not in body
        assert rw.case_b.reference not in body


@pytest.mark.parametrize("visibility", list(ReturnVisibility))
def test_withheld_never_reaches_other_pages_or_the_research_list(
    app: Flask, auth: Auth, returned: ResearchWorld, visibility: ReturnVisibility
) -> None:
    rw = returned
    set_visibility(app, rw.area, visibility)
    for user in (rw.housing_rep, rw.police_rep, rw.coordinator, rw.chair):
        for path in (
            f"/cases/meetings/{rw.meeting.id}/research-list",
            f"/cases/meetings/{rw.meeting.id}/research-list.csv",
            "/",
            rw.returns_url(),
        ):
            status, body = _get(auth, user, path)
            assert "WITHHELD-MARK" not in body, (user.name, path)
    # The housing rep's own edit page shows only housing's return.
    status, body = _get(auth, rw.housing_rep, rw.edit_url())
    assert status == 200 and "WITHHELD-MARK" not in body and "POLICE-FACT" not in body


def test_the_same_agency_in_the_other_area_sees_only_that_area(
    auth: Auth, returned: ResearchWorld
) -> None:
    rw = returned
    status, body = _get(auth, rw.police_rep_b, rw.returns_url(rw.meeting_b))
    assert status == 200 and rw.case_b.reference in body and rw.case.reference not in body
    status, _ = _get(auth, rw.police_rep_b, rw.returns_url())
    assert status == 404
    # And area A's police rep sees nothing of B.
    status, _ = _get(auth, rw.police_rep, rw.returns_url(rw.meeting_b))
    assert status == 404
    path = f"/research/meetings/{rw.meeting_b.id}/cases/{rw.case_b.id}/return"
    status, _ = _get(auth, rw.police_rep, path)
    assert status == 404


def test_a_restricted_case_hides_its_returns_from_all_but_the_coordinator(
    app: Flask, auth: Auth, returned: ResearchWorld
) -> None:
    rw = returned
    with app.app_context():
        db.session.add(CaseRestriction(case_id=rw.case.id, reason="Art. 18 request"))
        db.session.commit()
    for user in (rw.police_rep, rw.housing_rep, rw.chair):
        status, body = _get(auth, user, rw.view_url(rw.police))
        assert status == 404, user.name
        assert "POLICE-FACT" not in body
    status, _ = _get(auth, rw.coordinator, rw.view_url(rw.police))
    assert status == 200
