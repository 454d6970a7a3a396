"""The approval check page (issue 13): per case, entries, risk summary and actions; the
incomplete cases named; approval needs the chair's confirmation and a reason for each
incomplete case, stored and printed in the minutes; a late entry after approval; a source
agency that is not signed up to the protocol refused."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from marac_app.action_items.models import ActionItem
from marac_app.audit import AuditEvent
from marac_app.common.time import london_today
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.builder import build_minutes_document
from marac_app.minutes.models import ApprovalReason, MinuteEntry, MinutesAmendment, MinutesApproval
from tests.minutes.conftest import MinutesWorld, entry_data


def _complete_first_case(auth, mw: MinutesWorld) -> None:
    assert (
        auth.post(mw.case_url(), entry_data(mw, "Police attended"), form_path="/").status_code
        == 302
    )
    auth.post(
        mw.case_url() + "/risk-summary",
        {
            "harm_identified": "Harm",
            "contributing_factors": "",
            "protective_factors": "",
            "version": "",
        },
        form_path="/",
    )
    due = london_today() + timedelta(days=7)
    response = auth.post(
        mw.case_url() + "/actions",
        {
            "owner_agency": str(mw.housing.id),
            "description": "Fit a door chain",
            "due_date-day": str(due.day),
            "due_date-month": str(due.month),
            "due_date-year": str(due.year),
            "priority": "high",
        },
        form_path="/",
    )
    assert response.status_code == 302


def test_check_page_names_the_incomplete_cases(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _complete_first_case(auth, mw)
    page = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/approve")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Check the minutes before approval" in html
    assert f"1 case is incomplete: {mw.case2.reference}" in html
    assert f'name="reason_{mw.item2.id}"' in html and f'name="reason_{mw.item.id}"' not in html
    assert "No entries, risk summary and actions" in html
    assert 'name="confirm"' in html
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minutes_approval_check_viewed")
        ).one()
        assert "Police attended" not in (event.detail or "")


def test_approval_refused_without_confirmation_and_reasons_then_approved(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _complete_first_case(auth, mw)
    url = f"/minutes/meetings/{mw.meeting.id}/approve"
    refused = auth.post(url, {}, form_path="/")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "There is a problem" in html
    assert f"Enter why case {mw.case2.reference} is approved without entries" in html
    assert "Confirm that you have checked the minutes of every case" in html
    assert f'href="#reason_{mw.item2.id}"' in html and 'href="#confirm"' in html
    # A reason alone is not enough, nor the confirmation alone.
    only_reason = auth.post(url, {f"reason_{mw.item2.id}": "Deferred"}, form_path="/")
    assert only_reason.status_code == 400
    assert "Deferred" in only_reason.get_data(as_text=True)  # what was typed is kept
    assert auth.post(url, {"confirm": "y"}, form_path="/").status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(MinutesApproval)) is None
    ok = auth.post(
        url,
        {"confirm": "y", f"reason_{mw.item2.id}": "Deferred to the next meeting"},
        form_path="/",
    )
    assert ok.status_code == 302
    with app.app_context():
        [reason] = db.session.scalars(sa.select(ApprovalReason)).all()
        assert (reason.agenda_item_id, reason.missing, reason.reason) == (
            mw.item2.id,
            "entries risk_summary actions",
            "Deferred to the next meeting",
        )
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minutes_approved")
        ).one()
        assert event.detail == "minutes_version=1 incomplete=1"
        document = build_minutes_document(db.session.get(Meeting, mw.meeting.id))
        notes = {case.reference: case.approval_note for case in document.cases}
        assert notes[mw.case.reference] == ""
        assert notes[mw.case2.reference] == (
            "Approved without entries, a risk summary and actions. "
            "Reason: Deferred to the next meeting"
        )
    view = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view").get_data(as_text=True)
    assert "Approved without entries, a risk summary and actions." in view
    assert "Deferred to the next meeting" in view
    again = auth.client.get(url).get_data(as_text=True)
    assert 'id="approved"' in again and 'name="confirm"' not in again


def test_only_the_chair_opens_the_check_page(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    assert auth.client.get(f"/minutes/meetings/{mw.meeting.id}/approve").status_code == 403
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    assert auth.client.get(f"/minutes/meetings/{mw.meeting.id}/approve").status_code == 404


def test_gate_closed_check_page_offers_no_approval(app, auth, mw) -> None:
    auth.sign_in_as(mw.chair)
    html = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/approve").get_data(as_text=True)
    assert "can be approved once the meeting has been opened" in html
    assert 'name="confirm"' not in html


def test_a_case_approved_empty_is_completed_by_a_late_entry(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _complete_first_case(auth, mw)
    url = f"/minutes/meetings/{mw.meeting.id}/approve"
    assert (
        auth.post(
            url, {"confirm": "y", f"reason_{mw.item2.id}": "Ran out of time"}, form_path="/"
        ).status_code
        == 302
    )
    late = f"/minutes/meetings/{mw.meeting.id}/cases/{mw.case2.id}/late-entry"
    page = auth.client.get(late)
    assert page.status_code == 200 and "Add a late entry" in page.get_data(as_text=True)
    data = entry_data(mw, "Housing confirmed the tenancy ended")
    no_reason = auth.post(late, data)
    assert no_reason.status_code == 400
    assert "Enter the reason for the amendment" in no_reason.get_data(as_text=True)
    assert auth.post(late, {**data, "reason": "Missed at the meeting"}).status_code == 302
    with app.app_context():
        entry = db.session.scalars(
            sa.select(MinuteEntry).where(MinuteEntry.agenda_item_id == mw.item2.id)
        ).one()
        amendment = db.session.scalars(
            sa.select(MinutesAmendment).where(MinutesAmendment.entry_id == entry.id)
        ).one()
        assert amendment.late_entry and amendment.old_html == ""
        assert amendment.reason == "Missed at the meeting" and amendment.minutes_version == 2
        assert db.session.scalar(sa.select(MinutesApproval)).minutes_version == 2
        assert db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minutes_late_entry_added")
        ).one()
        document = build_minutes_document(db.session.get(Meeting, mw.meeting.id))
        [case2] = [c for c in document.cases if c.reference == mw.case2.reference]
        [section] = case2.subjects
        assert "Late entry, added after approval (minutes version 2)" in section.facts[0].text_html
        assert section.facts[0].text_html.count("Housing confirmed") == 1
    case_page = auth.client.get(mw.case_url(mw.case2)).get_data(as_text=True)
    assert "Late entry, added after approval" in case_page
    assert case_page.count("Housing confirmed the tenancy ended") == 1
    # The risk summary can be recorded late too, part by part.
    risk = auth.post(
        mw.case_url(mw.case2) + "/risk-summary/amend",
        {"field": "harm_identified", "text": "Stalking", "reason": "Chair's late summary"},
    )
    assert risk.status_code == 302
    view = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view").get_data(as_text=True)
    assert "Stalking" in view


def test_late_entry_before_approval_goes_to_the_case_page(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    response = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/cases/{mw.case.id}/late-entry")
    assert response.status_code == 302


def test_an_entry_cannot_cite_an_agency_not_signed_up(
    app, auth, mw, open_gate, make_agency
) -> None:
    health = make_agency(areas=[mw.area], name="Unsigned Health Trust")
    open_gate()
    auth.sign_in_as(mw.chair)
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    source = re.search(r'<select[^>]*name="source_agency".*?</select>', page, flags=re.S)
    assert source and "Unsigned Health Trust" not in source.group(0)  # not offered as a source
    refused = auth.post(mw.case_url(), entry_data(mw, "From health", agency=health), form_path="/")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Unsigned Health Trust" in html and "information-sharing protocol" in html
    assert 'href="#source_agency"' in html
    with app.app_context():
        assert db.session.scalars(sa.select(MinuteEntry)).all() == []
        assert db.session.scalars(sa.select(ActionItem)).all() == []
