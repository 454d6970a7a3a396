"""The referral pages through the Flask test client: validation that keeps what was typed,
the DASH threshold, tenancy (404 for other areas and uninvited representatives), the research
list export and the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Invitation
from marac_app.referrals import services
from marac_app.referrals.exports import RESEARCH_LIST_HEADER
from marac_app.referrals.models import Criterion, Referral
from tests.conftest import csrf_token


def form_data(agency_id: int, *, yes: int = 14, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "referring_agency": str(agency_id),
        "referrer_name": "Rae Referrer",
        "referrer_role": "IDVA",
        "referred_on-day": "1",
        "referred_on-month": "6",
        "referred_on-year": "2026",
        "victim_name": "Test Victim-Form",
        "victim_date_of_birth-day": "27",
        "victim_date_of_birth-month": "3",
        "victim_date_of_birth-year": "1990",
        "victim_ethnicity": "prefer_not_to_say",
        "safe_to_call": "no",
        "perpetrators-0-full_name": "Test Perp-Form",
        "perpetrators-0-relationship_to_victim": "ex-partner",
        "household-0-full_name": "Test Child-Form",
        "household-0-kind": "child",
        "household-0-date_of_birth-day": "6",
        "household-0-date_of_birth-month": "5",
        "household-0-date_of_birth-year": "2018",
        "criterion": Criterion.VISIBLE_HIGH_RISK.value,
    }
    for number in range(1, 25):
        data[f"dash_{number}"] = "yes" if number <= yes else "no"
    data.update(overrides)
    return data


def referral_count(app, area_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(Referral.id)).where(Referral.area_id == area_id)
        )


def test_coordinator_records_a_visible_high_risk_referral(app, ref_world, auth, client) -> None:
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post("/cases/new", form_data(ref_world.agency.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Test Victim-Form" in text and "14 of 24" in text
    assert "Repeat referral flag" in text and "365 days after the last referral" in text
    assert page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        referral = db.session.scalars(
            sa.select(Referral).where(Referral.area_id == ref_world.area.id)
        ).one()
        assert referral.criterion == Criterion.VISIBLE_HIGH_RISK and referral.dash_score == 14
        assert referral.victim.ethnicity == "prefer_not_to_say"
        assert referral.victim.disability is None  # left blank: not recorded
        assert referral.victim.safe_to_call is False and referral.victim.safe_to_text is None
        assert [c.full_name for c in referral.children] == ["Test Child-Form"]
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        assert {"referral_created", "case_viewed"} <= actions


def test_professional_judgement_without_reasons_is_refused_and_text_kept(
    app, ref_world, auth
) -> None:
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post(
        "/cases/new",
        form_data(
            ref_world.agency.id,
            yes=6,
            criterion="professional_judgement",
            reasons="",
            victim_aliases="Typed Alias Kept",
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the reasons for your professional judgement" in text
    assert 'value="Test Victim-Form"' in text and "Typed Alias Kept" in text
    assert 'value="27"' in text and 'value="1990"' in text
    assert referral_count(app, ref_world.area.id) == 0


def test_a_score_of_14_is_recorded_as_visible_high_risk_not_judgement(app, ref_world, auth) -> None:
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post(
        "/cases/new",
        form_data(
            ref_world.agency.id, yes=15, criterion="professional_judgement", reasons="Stalking"
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        referral = db.session.scalars(
            sa.select(Referral).where(Referral.area_id == ref_world.area.id)
        ).one()
        assert referral.criterion == Criterion.VISIBLE_HIGH_RISK and referral.dash_score == 15


def test_visible_high_risk_below_the_threshold_is_refused(app, ref_world, auth) -> None:
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post("/cases/new", form_data(ref_world.agency.id, yes=13))
    assert response.status_code == 400
    assert "below the threshold of 14" in response.get_data(as_text=True)
    assert referral_count(app, ref_world.area.id) == 0


def test_specific_messages_for_missing_and_impossible_dates(app, ref_world, auth) -> None:
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post(
        "/cases/new",
        form_data(
            ref_world.agency.id,
            **{
                "victim_date_of_birth-day": "",
                "victim_date_of_birth-month": "",
                "victim_date_of_birth-year": "",
                "victim_name": "",
            },
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        "Enter the victim&#39;s date of birth" in text or "Enter the victim's date of birth" in text
    )
    assert "Enter the victim" in text and "full name" in text
    response = auth.post(
        "/cases/new",
        form_data(
            ref_world.agency.id,
            **{"victim_date_of_birth-day": "31", "victim_date_of_birth-month": "2"},
        ),
    )
    assert response.status_code == 400
    assert "date of birth must be a real date" in response.get_data(as_text=True)
    response = auth.post(
        "/cases/new",
        form_data(
            ref_world.agency.id,
            criterion="potential_escalation",
            escalation_incidents="\u00b2",
            victim_email="not an email",
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Number of incidents must be a whole number, like 3" in text
    assert "Enter the safe email address in the correct format" in text
    assert referral_count(app, ref_world.area.id) == 0


def test_a_repeat_is_flagged_for_the_coordinator_to_confirm(
    app, ref_world, make_referral, auth, client
) -> None:
    first = make_referral(
        ref_world, victim="Test Victim-Form", dob=date(1990, 3, 27), referred_on=date(2026, 1, 1)
    )
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post("/cases/new", form_data(ref_world.agency.id))
    assert response.status_code == 302 and "/repeat" in response.headers["Location"]
    home = client.get("/").get_data(as_text=True)
    assert "Possible repeat referrals to confirm" in home
    decision_path = response.headers["Location"]
    assert first.case.reference in client.get(decision_path).get_data(as_text=True)
    refused = auth.post(decision_path, {})
    assert refused.status_code == 400
    done = auth.post(decision_path, {"decision": "confirm"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/cases/{first.case_id}")
    with app.app_context():
        later = db.session.scalars(
            sa.select(Referral)
            .where(Referral.area_id == ref_world.area.id)
            .order_by(Referral.id.desc())
        ).first()
        assert later.case_id == first.case_id and later.repeat_confirmed_by_coordinator


# --- Tenancy ------------------------------------------------------------------------------


def test_agency_rep_sees_a_case_only_on_an_agenda_they_are_invited_to(
    app, ref_world, make_referral, make_meeting, make_user, auth, client
) -> None:
    referral = make_referral(ref_world, victim="Test Victim-Hidden")
    reference = referral.case.reference
    meeting = make_meeting(ref_world.area, invite=[ref_world.rep])
    other_rep = make_user(Role.AGENCY_REP, agency=ref_world.agency)
    auth.sign_in_as(ref_world.rep)
    # Not on any agenda yet: 404 by id, absent from the list and from search.
    assert client.get(f"/cases/{referral.case_id}").status_code == 404
    for path in ["/cases/", f"/cases/?q={reference}", "/cases/?q=hidden"]:
        text = client.get(path).get_data(as_text=True)
        assert f'href="/cases/{referral.case_id}"' not in text, path
        assert "Test Victim-Hidden" not in text and "0 cases" in text, path
    with app.app_context():
        services.allocate_to_meeting(
            db.session.get(Referral, referral.id), db.session.get(type(meeting), meeting.id), None
        )
        db.session.commit()
    assert client.get(f"/cases/{referral.case_id}").status_code == 200
    assert reference in client.get("/cases/?q=hidden").get_data(as_text=True)
    research = client.get(f"/cases/meetings/{meeting.id}/research-list")
    assert research.status_code == 200 and "Test Victim-Hidden" in research.get_data(as_text=True)
    # The rep cannot manage the case list (no representative may: the role rule's 403).
    assert client.get(f"/cases/meetings/{meeting.id}/case-list").status_code == 403
    # Revoking the invitation takes effect on the next request.
    with app.app_context():
        invitation = db.session.scalars(
            sa.select(Invitation).where(Invitation.user_id == ref_world.rep.id)
        ).one()
        invitation.revoked_at = utcnow()
        db.session.commit()
    assert client.get(f"/cases/{referral.case_id}").status_code == 404
    assert client.get(f"/cases/meetings/{meeting.id}/research-list.csv").status_code == 404
    # Another rep of the same agency, never invited, sees nothing either.
    auth.sign_out()
    auth.sign_in_as(other_rep)
    assert client.get(f"/cases/{referral.case_id}").status_code == 404
    assert "0 cases" in client.get(f"/cases/?q={reference}").get_data(as_text=True)
    with app.app_context():
        denied = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "access_denied", AuditEvent.actor_id == other_rep.id
            )
        ).all()
        assert denied


def test_coordinator_and_chair_of_another_area_get_404(
    app, ref_world, make_referral, make_meeting, make_user, make_area, auth, client
) -> None:
    referral = make_referral(ref_world, victim="Test Victim-Elsewhere")
    meeting = make_meeting(ref_world.area)
    other_area = make_area()
    for role in (Role.COORDINATOR, Role.CHAIR):
        auth.sign_in_as(make_user(role, area=other_area))
        assert client.get(f"/cases/{referral.case_id}").status_code == 404
        for path in [
            f"/cases/meetings/{meeting.id}/case-list",
            f"/cases/meetings/{meeting.id}/research-list",
            f"/cases/meetings/{meeting.id}/research-list.csv",
        ]:
            assert client.get(path).status_code == 404, (role, path)
        text = client.get("/cases/?q=elsewhere").get_data(as_text=True)
        assert "Test Victim-Elsewhere" not in text
        auth.sign_out()
    auth.sign_in_as(make_user(Role.COORDINATOR, area=other_area))
    token = csrf_token(client, "/cases/")
    response = client.post(
        f"/cases/meetings/{meeting.id}/case-list/allocate",
        data={"csrf_token": token, "referral_id": referral.id},
    )
    assert response.status_code == 404


def test_admin_and_dpo_see_no_cases(ref_world, make_referral, make_user, auth, client) -> None:
    referral = make_referral(ref_world)
    for role in (Role.ADMIN, Role.DPO):
        auth.sign_in_as(make_user(role))
        # Neither role may use case pages at all: the role rule's 403.
        assert client.get(f"/cases/{referral.case_id}").status_code == 403
        auth.sign_out()


# --- Case list and research list ------------------------------------------------------------


def test_coordinator_allocates_orders_and_exports_the_research_list(
    app, ref_world, make_referral, make_meeting, auth, client
) -> None:
    one = make_referral(ref_world, victim="Test Victim-One")
    two = make_referral(ref_world, victim='=HYPERLINK("http://x")', dob=date(1980, 1, 1))
    meeting = make_meeting(ref_world.area)
    list_path = f"/cases/meetings/{meeting.id}/case-list"
    auth.sign_in_as(ref_world.coordinator)
    for referral in (one, two):
        response = auth.post(
            f"/cases/meetings/{meeting.id}/case-list/allocate",
            {"referral_id": referral.id},
            form_path=list_path,
        )
        assert response.status_code == 302
    with app.app_context():
        items = services.case_list(db.session.get(type(meeting), meeting.id))
        second_item = items[1].id
    auth.post(
        f"/cases/case-list/items/{second_item}/move", {"direction": "up"}, form_path=list_path
    )
    csv_response = client.get(f"/cases/meetings/{meeting.id}/research-list.csv")
    assert csv_response.status_code == 200
    assert csv_response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert tuple(rows[0]) == RESEARCH_LIST_HEADER
    assert all(len(row) == 6 for row in rows)
    # Moved up: the second case is first now; its formula-looking name is neutralised.
    # Issue 14: each row starts with the case reference; other names follow the name.
    assert rows[1][0] == two.case.reference and rows[2][0] == one.case.reference
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][3] == "01/01/1980"
    assert rows[2][1] == "Test Victim-One"
    assert rows[2][4] == "Test Perp-Alpha (02/01/1985)"
    assert rows[2][5] == "Test Child-Alpha (06/05/2018)"
    body = csv_response.get_data(as_text=True)
    for forbidden in (
        "ex-partner",
        "Rae Referrer",
        "score",
        "DASH",
        "risk",
    ):
        assert forbidden not in body, forbidden
    page = client.get(f"/cases/meetings/{meeting.id}/research-list").get_data(as_text=True)
    assert "Test Victim-One" in page and one.case.reference in page
    with app.app_context():
        downloads = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "research_list_downloaded",
                AuditEvent.object_id == str(meeting.id),
            )
        ).all()
        assert downloads and downloads[0].detail.startswith("rows=2")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(
            [
                "victim_name",
                "referrer_name",
                "referred_on-day",
                "referred_on-year",
                "victim_date_of_birth-month",
                "victim_gender",
                "criterion",
                "dash_3",
                "escalation_incidents",
                "household-1-full_name",
                "referring_agency",
                "perpetrators-0-date_of_birth-year",
                "linked_case_reference",
                "reasons",
                "safe_to_call",
            ]
        ),
        st.text(max_size=300),
        max_size=6,
    )
)
def test_the_referral_form_never_fails_on_odd_input(
    ref_world, auth, client, values: dict[str, str]
) -> None:
    if client.get("/cases/new").status_code != 200:
        auth.sign_in_as(ref_world.coordinator)
    data = form_data(ref_world.agency.id)
    data.update({k: v.replace("\x00", "") for k, v in values.items()})
    response = auth.post("/cases/new", data)
    assert response.status_code in (302, 400), response.status_code


def test_the_referral_form_page_lists_the_active_checklist(ref_world, auth, client) -> None:
    auth.sign_in_as(ref_world.coordinator)
    text = client.get("/cases/new").get_data(as_text=True)
    assert "DASH 2009" in text and "24. " in text
    assert text.count('type="radio"') >= 24 * 3
    assert (date.today() - timedelta(days=1)).year >= 2026


# --- Corrections and version conflicts -------------------------------------------------------


def test_coordinator_corrects_a_referral_and_a_stale_save_is_refused_with_both_texts(
    app, ref_world, make_referral, make_user, make_area, auth, client
) -> None:
    referral = make_referral(ref_world, victim="Test Victim-Saved")
    path = f"/cases/referrals/{referral.id}/edit"
    auth.sign_in_as(ref_world.coordinator)
    page = client.get(path).get_data(as_text=True)
    assert 'value="Test Victim-Saved"' in page and 'value="1990"' in page
    assert 'name="version" value="1"' in page
    saved = auth.post(
        path, form_data(ref_world.agency.id, victim_name="Test Victim-Corrected", version="1")
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:1500]
    with app.app_context():
        fresh = db.session.get(Referral, referral.id)
        assert fresh.victim.full_name == "Test Victim-Corrected" and fresh.version == 2
        assert fresh.case_id == referral.case_id
    # A second person saves from the form they opened before the first save.
    stale = auth.post(
        path, form_data(ref_world.agency.id, victim_name="Test Victim-Stale", version="1")
    )
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Test Victim-Corrected" in text and "Test Victim-Stale" in text
    assert 'name="version" value="2"' in text
    with app.app_context():
        assert db.session.get(Referral, referral.id).victim.full_name == "Test Victim-Corrected"
    auth.sign_out()
    auth.sign_in_as(make_user(Role.COORDINATOR, area=make_area()))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999", "400"])
def test_any_case_list_page_number_answers(ref_world, auth, client, page) -> None:
    """Nonsense is page 1 and a page beyond the end is empty: never an error."""
    auth.sign_in_as(ref_world.coordinator)
    assert client.get(f"/cases/?page={page}").status_code == 200
