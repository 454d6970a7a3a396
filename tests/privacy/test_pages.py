"""The privacy notice, the accessibility statement, the DPO's retention page and home panel,
and closing a case."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Flask

from marac_app.audit import AuditEvent
from marac_app.extensions import db
from marac_app.privacy import services
from marac_app.privacy.models import CaseLegalHold, PrivacyNoticeVersion, SubjectRight
from marac_app.referrals.models import Case, CaseStatus


def test_privacy_notice_shows_the_seed_notice_to_signed_in_users(client, auth, world) -> None:
    assert client.get("/privacy/notice").status_code == 302  # signed-in users only
    auth.sign_in_as(world.rep)
    page = client.get("/privacy/notice").get_data(as_text=True)
    assert "Version 1" in page
    assert '<h2 class="govuk-heading-m">The information we hold about you.</h2>' in page
    assert "<li>Safe contact details.</li>" in page
    assert "7 years after we have ceased to work with you" in page
    assert '<a class="govuk-link" href="https://ico.org.uk/">' in page
    assert "Edit the privacy notice" not in page
    assert client.get("/privacy/notice/edit").status_code == 403


def test_admin_publishes_a_new_version_rendered_safely(app: Flask, client, auth, world) -> None:
    auth.sign_in_as(world.admin)
    form = client.get("/privacy/notice/edit").get_data(as_text=True)
    assert "The information we hold about you." in form
    response = auth.post(
        "/privacy/notice/edit",
        {
            "version": "1",
            "body": "## Who we are\n\nWe run <script>alert(1)</script> MARACs.\n\n- one\n- two",
        },
    )
    assert response.status_code == 302
    page = client.get("/privacy/notice").get_data(as_text=True)
    assert "Version 2" in page and "Who we are" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "<li>one</li><li>two</li>" in page
    stale = auth.post("/privacy/notice/edit", {"version": "1", "body": "Older edit"})
    assert stale.status_code == 409
    empty = auth.post("/privacy/notice/edit", {"version": "2", "body": ""})
    assert empty.status_code == 400
    assert "Enter the text of the privacy notice" in empty.get_data(as_text=True)
    with app.app_context():
        versions = list(db.session.scalars(sa.select(PrivacyNoticeVersion.version)))
        assert sorted(versions) == [1, 2]


def test_accessibility_statement_is_public_and_linked_from_the_footer(client) -> None:
    page = client.get("/privacy/accessibility")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Web Content Accessibility Guidelines version 2.2" in text
    assert "axe-core" in text and "keyboard" in text and "Enforcement procedure" in text
    sign_in = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/privacy/accessibility"' in sign_in
    assert 'href="/privacy/notice"' not in sign_in  # the notice needs sign-in


def test_footer_links_the_privacy_notice_when_signed_in(client, auth, world) -> None:
    auth.sign_in_as(world.chair)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/privacy/notice"' in page and 'href="/privacy/accessibility"' in page


def test_dpo_home_shows_open_and_overdue_requests(
    app: Flask, client, auth, world, make_heard_case
) -> None:
    with app.app_context():
        for received in (date(2026, 1, 31), date(2099, 1, 1)):
            services.log_request(
                services.NewRequest("A Person", None, SubjectRight.ACCESS, received, None, []),
                actor=world.dpo,
            )
        db.session.commit()
    auth.sign_in_as(world.dpo)
    page = client.get("/").get_data(as_text=True)
    assert "Open requests" in page and "1 overdue" in page
    assert "28 February 2026" in page  # the next due date
    assert 'href="/privacy/requests"' in page


def test_dpo_sees_the_policy_and_puts_a_case_under_legal_hold(
    app: Flask, client, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world, closed_on=date(2015, 1, 1))
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    auth.sign_in_as(world.dpo)
    page = client.get("/privacy/retention").get_data(as_text=True)
    assert "7 years" in page and "After the case closed" in page
    assert reference in page  # due for deletion
    # Records in plain words, not table names.
    assert "minutes entries" in page and "people named in referrals" in page
    assert "minute_entry" not in page and "referral_person" not in page
    missing = auth.post(
        "/privacy/retention/holds",
        {"reference": "NOPE-1", "reason": "x"},
        form_path="/privacy/retention",
    )
    assert missing.status_code == 400
    assert "No case has the reference NOPE-1" in missing.get_data(as_text=True)
    response = auth.post(
        "/privacy/retention/holds",
        {"reference": reference.lower(), "reason": "Homicide review"},
        form_path="/privacy/retention",
    )
    assert response.status_code == 302
    page = client.get("/privacy/retention").get_data(as_text=True)
    assert "Homicide review" in page and "No case is past its retention period" in page
    assert "kept because of a legal hold" in page
    lift = auth.post(f"/privacy/retention/holds/{case_id}/lift", {}, form_path="/privacy/retention")
    assert lift.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseLegalHold)) == 0
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        assert {"legal_hold_set", "legal_hold_lifted", "retention_viewed"} <= actions


def test_coordinator_closes_a_case_of_their_own_area_only(
    app: Flask, client, auth, world, make_heard_case, make_area, make_user
) -> None:
    from marac_app.auth.models import Role

    case_id = make_heard_case(world)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    other = make_user(Role.COORDINATOR, area=make_area())
    auth.sign_in_as(other)
    refused = auth.post(
        "/privacy/cases/close",
        {
            "reference": reference,
            "closed_on-day": "1",
            "closed_on-month": "6",
            "closed_on-year": "2026",
        },
    )
    assert refused.status_code == 400
    assert f"No case in your area has the reference {reference}" in refused.get_data(as_text=True)
    auth.sign_out()
    auth.sign_in_as(world.coordinator)
    future = auth.post(
        "/privacy/cases/close",
        {
            "reference": reference,
            "closed_on-day": "1",
            "closed_on-month": "6",
            "closed_on-year": "2999",
        },
    )
    assert future.status_code == 400
    assert "must be today or in the past" in future.get_data(as_text=True)
    response = auth.post(
        "/privacy/cases/close",
        {
            "reference": reference,
            "closed_on-day": "1",
            "closed_on-month": "6",
            "closed_on-year": "2026",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == CaseStatus.CLOSED and case.closed_on == date(2026, 6, 1)
    auth.sign_out()
    auth.sign_in_as(world.dpo)
    assert client.get("/privacy/cases/close").status_code == 403


def test_dpo_changes_the_retention_period(app: Flask, client, auth, world, make_heard_case) -> None:
    case_id = make_heard_case(world, closed_on=date(2017, 1, 1))
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    auth.sign_in_as(world.dpo)
    assert reference in client.get("/privacy/retention").get_data(as_text=True)
    bad = auth.post("/privacy/retention/policy", {"years": "0"}, form_path="/privacy/retention")
    assert bad.status_code == 400
    assert "Enter a number of years from 1 to 100" in bad.get_data(as_text=True)
    response = auth.post(
        "/privacy/retention/policy", {"years": "20"}, form_path="/privacy/retention"
    )
    assert response.status_code == 302
    page = client.get("/privacy/retention").get_data(as_text=True)
    assert "20 years" in page and reference not in page


def test_restricted_banner_partial(app: Flask, world, make_heard_case) -> None:
    from flask import render_template_string

    from marac_app.referrals import restriction

    case_id = make_heard_case(world)
    with app.test_request_context("/"):
        case = db.session.get(Case, case_id)
        include = '{% include "privacy/_restricted_banner.html" %}'
        assert "Processing restricted" not in render_template_string(include, case=case)
        restriction.restrict(case, "Accuracy contested", actor=None)
        assert "Processing restricted" in render_template_string(include, case=case)


def test_close_case_form_can_be_opened_for_a_case(client, auth, world) -> None:
    auth.sign_in_as(world.coordinator)
    page = client.get("/privacy/cases/close?reference=CAM-2026-0042").get_data(as_text=True)
    assert 'value="CAM-2026-0042"' in page
