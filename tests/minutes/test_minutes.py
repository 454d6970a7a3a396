"""Live minutes through the real pages: the gate, kinds apart, filters, revisions, the
version conflict, approval and amendments, tenancy (404) and audit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem
from marac_app.agencies.models import Agency
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.models import (
    EntryKind,
    MinuteEntry,
    MinuteEntryRevision,
    MinutesAmendment,
    MinutesApproval,
    RiskSummary,
    Subject,
)
from tests.minutes.conftest import MinutesWorld, approval_data, entry_data


def _entries(app: Flask) -> list[MinuteEntry]:
    with app.app_context():
        return list(db.session.scalars(sa.select(MinuteEntry).order_by(MinuteEntry.id)))


def _add(auth, mw: MinutesWorld, **kwargs):
    return auth.post(mw.case_url(), entry_data(mw, **kwargs), form_path="/")


def _approve(auth, mw: MinutesWorld, data: dict | None = None):
    """Approve through the check page: confirmed, with a reason for each incomplete case."""
    return auth.post(f"/minutes/meetings/{mw.meeting.id}/approve", data or {}, form_path="/")


def test_gate_closed_refuses_entries_then_open_allows(app, auth, mw, open_gate) -> None:
    auth.sign_in_as(mw.chair)
    page = auth.client.get(mw.case_url())
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="gate-problems"' in html
    assert "has not marked the confidentiality statement as read" in html
    assert "Add an entry" not in html and "Vera Victim" not in html

    refused = _add(auth, mw, text="Should not be saved")
    assert refused.status_code == 400
    assert "has not marked the confidentiality statement" in refused.get_data(as_text=True)
    assert _entries(app) == []

    open_gate()
    saved = _add(auth, mw, text="Police attended on 3 January.")
    assert saved.status_code == 302
    [entry] = _entries(app)
    assert entry.text_html == "<p>Police attended on 3 January.</p>"
    assert entry.author_id == mw.chair.id and entry.kind == EntryKind.FACT
    html = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Police attended on 3 January." in html
    # What the meeting needs about the case.
    for text in (
        mw.case.reference,
        "Vera Victim",
        "Peter Perp",
        "Cara Child",
        "17",
        "Visible high risk",
    ):
        assert text in html


def test_kinds_are_stored_and_shown_apart_and_filters_work(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    assert _add(auth, mw, text="Fact about the victim").status_code == 302
    assert (
        _add(
            auth,
            mw,
            text="Opinion about the perpetrator",
            kind="professional_opinion",
            subject="perpetrator",
            agency=mw.housing,
        ).status_code
        == 302
    )
    assert _add(auth, mw, text="She wants to stay at home", kind="victims_view").status_code == 302
    assert (
        _add(
            auth, mw, text="Fact about the children", subject="child_or_vulnerable_adult"
        ).status_code
        == 302
    )
    stored = {(e.kind, e.subject) for e in _entries(app)}
    assert stored == {
        (EntryKind.FACT, Subject.VICTIM),
        (EntryKind.PROFESSIONAL_OPINION, Subject.PERPETRATOR),
        (EntryKind.VICTIMS_VIEW, Subject.VICTIM),
        (EntryKind.FACT, Subject.CHILD_OR_VULNERABLE_ADULT),
    }

    html = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert re.search(r"<h4[^>]*>Facts</h4>", html)
    assert re.search(r"<h4[^>]*>Professional opinion</h4>", html)
    assert re.search(r"<h4[^>]*>Victim&#39;s view \(as relayed by the IDVA\)</h4>", html)
    for tag in ("govuk-tag--blue", "govuk-tag--purple", "govuk-tag--orange"):
        assert tag in html
    # Each entry carries its kind; the fact and the opinion sit in different sections.
    assert re.search(r'data-kind="fact"[^>]*>.*?Fact about the victim', html, re.S)
    assert re.search(r'data-kind="professional_opinion"[^>]*>.*?Opinion about the perp', html, re.S)

    only_opinions = auth.client.get(mw.case_url() + "?kind=professional_opinion")
    text = only_opinions.get_data(as_text=True)
    assert "Opinion about the perpetrator" in text
    assert "Fact about the victim" not in text and "She wants to stay" not in text

    about_victim = auth.client.get(mw.case_url() + "?subject=victim").get_data(as_text=True)
    assert "Fact about the victim" in about_victim and "She wants to stay" in about_victim
    assert "Opinion about the perpetrator" not in about_victim
    assert "Fact about the children" not in about_victim

    both = auth.client.get(mw.case_url() + "?subject=victim&kind=fact").get_data(as_text=True)
    assert "Fact about the victim" in both and "She wants to stay" not in both
    nonsense = auth.client.get(mw.case_url() + "?kind=bogus&subject=x")
    assert nonsense.status_code == 200
    assert "Fact about the children" in nonsense.get_data(as_text=True)


def test_missing_choices_are_refused_with_specific_messages(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    response = auth.post(mw.case_url(), {"text": "   ", "source_agency": ""}, form_path="/")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Select who the information is about",
        "Select whether this is a fact, a professional opinion",
        "Select the agency that shared this information",
        "Enter what was shared",
    ):
        assert message in html
    assert _entries(app) == []


def test_edits_keep_revisions_with_who_when_and_previous_text(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _add(auth, mw, text="First text")
    [entry] = _entries(app)
    edit_url = f"/minutes/meetings/{mw.meeting.id}/entries/{entry.id}/edit"
    form = auth.client.get(edit_url)
    assert form.status_code == 200 and "First text" in form.get_data(as_text=True)
    saved = auth.post(
        edit_url,
        {
            **entry_data(mw, "Second text", kind="professional_opinion"),
            "version": str(entry.version),
        },
    )
    assert saved.status_code == 302
    auth.sign_out()
    auth.sign_in_as(mw.coordinator)  # the minute-taker edits too
    entry = _entries(app)[0]
    saved = auth.post(
        edit_url,
        {
            **entry_data(mw, "Third text", kind="professional_opinion"),
            "version": str(entry.version),
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        revisions = list(
            db.session.scalars(sa.select(MinuteEntryRevision).order_by(MinuteEntryRevision.id))
        )
        assert [r.previous_text_html for r in revisions] == [
            "<p>First text</p>",
            "<p>Second text</p>",
        ]
        assert [r.revised_by_id for r in revisions] == [mw.chair.id, mw.coordinator.id]
        assert revisions[0].previous_kind == EntryKind.FACT
        assert all(r.revised_at is not None for r in revisions)
        current = db.session.get(MinuteEntry, entry.id)
        assert current.text_html == "<p>Third text</p>"
        assert current.kind == EntryKind.PROFESSIONAL_OPINION
    history = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/entries/{entry.id}/history")
    html = history.get_data(as_text=True)
    assert history.status_code == 200
    assert "First text" in html and "Second text" in html and "Third text" in html
    assert "Charlie Chair" in html and "Cora Coord" in html


def test_version_conflict_is_409_showing_both_texts_and_keeping_both(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _add(auth, mw, text="Original")
    [entry] = _entries(app)
    edit_url = f"/minutes/meetings/{mw.meeting.id}/entries/{entry.id}/edit"
    stale = str(entry.version)
    first = auth.post(edit_url, {**entry_data(mw, "Theirs: saved first"), "version": stale})
    assert first.status_code == 302
    second = auth.post(edit_url, {**entry_data(mw, "Mine: typed second"), "version": stale})
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Someone else saved this entry" in html
    assert "Theirs: saved first" in html and "Mine: typed second" in html
    [stored] = _entries(app)
    assert stored.text_html == "<p>Theirs: saved first</p>"
    # The form now carries the saved version: saving again succeeds.
    new_version = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert new_version == str(stored.version)
    again = auth.post(edit_url, {**entry_data(mw, "Mine: typed second"), "version": new_version})
    assert again.status_code == 302
    assert _entries(app)[0].text_html == "<p>Mine: typed second</p>"


def test_risk_summary_saves_and_stale_save_is_409(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    url = mw.case_url() + "/risk-summary"
    data = {
        "harm_identified": "Strangulation",
        "contributing_factors": "Separation",
        "protective_factors": "Sister nearby",
        "version": "",
    }
    assert auth.post(url, data, form_path="/").status_code == 302
    with app.app_context():
        summary = db.session.scalar(sa.select(RiskSummary))
        assert summary.harm_identified == "<p>Strangulation</p>"
        version = summary.version
    assert (
        auth.post(
            url, {**data, "harm_identified": "Theirs", "version": str(version)}, form_path="/"
        ).status_code
        == 302
    )
    conflict = auth.post(
        url, {**data, "harm_identified": "Mine", "version": str(version)}, form_path="/"
    )
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Theirs" in html and "Mine" in html
    with app.app_context():
        assert db.session.scalar(sa.select(RiskSummary)).harm_identified == "<p>Theirs</p>"
    # The coordinator may not write the chair's risk summary.
    auth.sign_out()
    auth.sign_in_as(mw.coordinator)
    assert auth.post(url, data, form_path="/").status_code == 403


def test_approved_minutes_refuse_edits_and_accept_amendments(app, auth, mw, open_gate) -> None:
    auth.sign_in_as(mw.chair)
    refused = _approve(auth, mw)
    assert refused.status_code == 400  # the gate was never opened
    with app.app_context():
        assert db.session.scalar(sa.select(MinutesApproval)) is None
    open_gate()
    _add(auth, mw, text="Original fact")
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
    [entry] = _entries(app)
    auth.sign_out()
    auth.sign_in_as(mw.coordinator)
    assert _approve(auth, mw).status_code == 403  # only the chair approves
    auth.sign_out()
    auth.sign_in_as(mw.chair)
    assert _approve(auth, mw).status_code == 400  # one click is not enough: confirm first
    assert _approve(auth, mw, approval_data(app, mw.meeting.id)).status_code == 302
    meeting_page = auth.client.get(f"/minutes/meetings/{mw.meeting.id}").get_data(as_text=True)
    assert "Approved by Charlie Chair" in meeting_page

    add = _add(auth, mw, text="Too late")
    assert add.status_code == 409 and "have been approved" in add.get_data(as_text=True)
    edit_url = f"/minutes/meetings/{mw.meeting.id}/entries/{entry.id}/edit"
    edit = auth.post(edit_url, {**entry_data(mw, "Changed"), "version": str(entry.version)})
    assert edit.status_code == 409 and "have been approved" in edit.get_data(as_text=True)
    with app.app_context():
        summary = db.session.scalar(sa.select(RiskSummary))
        version = summary.version
    risk = auth.post(
        mw.case_url() + "/risk-summary",
        {
            "harm_identified": "Changed",
            "contributing_factors": "",
            "protective_factors": "",
            "version": str(version),
        },
        form_path="/",
    )
    assert risk.status_code == 409 and "have been approved" in risk.get_data(as_text=True)
    assert [e.text_html for e in _entries(app)] == ["<p>Original fact</p>"]
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Add an entry" not in page and "Save risk summary" not in page
    assert "Amend" in page

    amend_url = f"/minutes/meetings/{mw.meeting.id}/entries/{entry.id}/amend"
    no_reason = auth.post(amend_url, {"text": "Corrected fact", "reason": "  "})
    assert no_reason.status_code == 400
    assert "Enter the reason for the amendment" in no_reason.get_data(as_text=True)
    ok = auth.post(amend_url, {"text": "Corrected fact", "reason": "Date was wrong"})
    assert ok.status_code == 302
    risk_amend = auth.post(
        mw.case_url() + "/risk-summary/amend",
        {"field": "harm_identified", "text": "Harm corrected", "reason": "Chair's correction"},
    )
    assert risk_amend.status_code == 302
    with app.app_context():
        amendments = list(
            db.session.scalars(sa.select(MinutesAmendment).order_by(MinutesAmendment.id))
        )
        assert [(a.old_html, a.new_html, a.reason, a.minutes_version) for a in amendments] == [
            ("<p>Original fact</p>", "<p>Corrected fact</p>", "Date was wrong", 2),
            ("<p>Harm</p>", "<p>Harm corrected</p>", "Chair's correction", 3),
        ]
        assert db.session.get(MinuteEntry, entry.id).text_html == "<p>Original fact</p>"
        assert db.session.scalar(sa.select(MinutesApproval)).minutes_version == 3
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Original fact" in page and "Corrected fact" in page and "Date was wrong" in page
    view = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view").get_data(as_text=True)
    assert "Minutes version 3" in view and "Corrected fact" in view and "Harm corrected" in view


def _all_urls(mw: MinutesWorld, entry_id: int) -> list[str]:
    base = f"/minutes/meetings/{mw.meeting.id}"
    return [
        base,
        f"{base}/view",
        mw.case_url(),
        f"{base}/entries/{entry_id}/edit",
        f"{base}/entries/{entry_id}/history",
        f"{base}/entries/{entry_id}/amend",
        mw.case_url() + "/risk-summary/amend",
    ]


def _all_posts(mw: MinutesWorld, entry_id: int) -> list[str]:
    base = f"/minutes/meetings/{mw.meeting.id}"
    return [
        mw.case_url(),
        mw.case_url() + "/risk-summary",
        mw.case_url() + "/actions",
        f"{base}/approve",
        f"{base}/entries/{entry_id}/edit",
    ]


@pytest.mark.parametrize(
    "who", ["rep", "housing_rep", "other_chair", "other_coordinator", "admin", "dpo"]
)
def test_reps_and_other_areas_get_404_everywhere(app, auth, mw, open_gate, make_user, who) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _add(auth, mw, text="Confidential fact")
    [entry] = _entries(app)
    auth.sign_out()
    if who in ("admin", "dpo"):
        auth.sign_in_as(make_user(Role(who)))
    else:
        auth.sign_in_as(getattr(mw, who))
    for url in _all_urls(mw, entry.id):
        response = auth.client.get(url)
        assert response.status_code == 404, url
        assert "Confidential fact" not in response.get_data(as_text=True)
    for url in _all_posts(mw, entry.id):
        response = auth.post(url, entry_data(mw, "Intruder"), form_path="/")
        assert response.status_code == 404, url
    assert [e.text_html for e in _entries(app)] == ["<p>Confidential fact</p>"]


def test_coordinator_reads_and_adds_entries_but_does_not_approve(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    assert _add(auth, mw, text="Minute-taker's note").status_code == 302
    page = auth.client.get(f"/minutes/meetings/{mw.meeting.id}").get_data(as_text=True)
    assert "Approve the minutes" not in page
    assert auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view").status_code == 200


def test_meeting_page_lists_outstanding_actions_first(app, auth, mw, make_meeting) -> None:
    with app.app_context():
        earlier = Meeting(
            area_id=mw.area.id,
            starts_at=utcnow() - timedelta(days=28),
            ends_at=utcnow() - timedelta(days=28, hours=-2),
        )
        db.session.add(earlier)
        db.session.flush()
        db.session.add(
            ActionItem(
                case_id=mw.case.id,
                meeting_id=earlier.id,
                owner_agency_id=mw.housing.id,
                description="Fit a door alarm",
                due_date=utcnow().date(),
            )
        )
        db.session.commit()
    auth.sign_in_as(mw.chair)
    html = auth.client.get(f"/minutes/meetings/{mw.meeting.id}").get_data(as_text=True)
    assert "Fit a door alarm" in html
    assert html.index("Outstanding actions") < html.index("Case list") < html.index("Approval")
    assert "/actions/" in html


def test_actions_from_the_case_page(app, auth, mw, open_gate, make_agency) -> None:
    unsigned = make_agency(areas=[mw.area])
    open_gate()
    auth.sign_in_as(mw.chair)
    due = utcnow().date() + timedelta(days=14)
    data = {
        "owner_agency": str(mw.housing.id),
        "description": "Install target hardening",
        "due_date-day": str(due.day),
        "due_date-month": str(due.month),
        "due_date-year": str(due.year),
        "priority": "high",
    }
    assert auth.post(mw.case_url() + "/actions", data, form_path="/").status_code == 302
    refused = auth.post(
        mw.case_url() + "/actions", {**data, "owner_agency": str(unsigned.id)}, form_path="/"
    )
    assert refused.status_code == 400
    assert "has not signed" in refused.get_data(as_text=True) or "not signed" in refused.get_data(
        as_text=True
    )
    no_date = auth.post(mw.case_url() + "/actions", {**data, "due_date-day": ""}, form_path="/")
    assert no_date.status_code == 400 and "The due date must include a day" in no_date.get_data(
        as_text=True
    )
    with app.app_context():
        [action] = db.session.scalars(sa.select(ActionItem)).all()
        assert action.owner_agency_id == mw.housing.id
        assert action.agenda_item_id == mw.item.id and action.meeting_id == mw.meeting.id
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Install target hardening" in page


def test_a_past_due_date_on_the_case_page_is_refused_on_the_date_field(
    app, auth, mw, open_gate
) -> None:
    """Issue 13: the service names the date "due_date", which is not a field of the action
    form; its refusal used to answer 500. It shows on the date's day box, nothing saved."""
    open_gate()
    auth.sign_in_as(mw.chair)
    past = london_today() - timedelta(days=1)
    data = {
        "owner_agency": str(mw.housing.id),
        "description": "Install target hardening",
        "due_date-day": str(past.day),
        "due_date-month": str(past.month),
        "due_date-year": str(past.year),
        "priority": "high",
    }
    refused = auth.post(mw.case_url() + "/actions", data, form_path="/")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "The due date must be today or in the future" in html
    assert 'href="#due_date"' in html
    # On the due-date field itself, and what was typed is shown again.
    on_field = html.split('id="due_date-date-error"', 1)
    assert len(on_field) == 2 and "The due date must be today or in the future" in on_field[1][:300]
    assert "Install target hardening" in html
    assert f'value="{past.day}"' in html and f'value="{past.year}"' in html
    with app.app_context():
        assert db.session.scalars(sa.select(ActionItem)).all() == []


def test_next_and_previous_case_links(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    first = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert f"Next case: {mw.case2.reference}" in first and "Previous case:" not in first
    second = auth.client.get(mw.case_url(mw.case2)).get_data(as_text=True)
    assert f"Previous case: {mw.case.reference}" in second and "Next case:" not in second


def test_reads_and_changes_are_audited_with_ids_only(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    auth.client.get(mw.case_url())
    _add(auth, mw, text="Secret narrative words")
    with app.app_context():
        events = list(
            db.session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.action.in_(["minutes_case_viewed", "minute_entry_created"])
                )
            )
        )
        actions = {e.action for e in events}
        assert actions == {"minutes_case_viewed", "minute_entry_created"}
        for event in events:
            assert "Secret" not in (event.detail or "")
            assert "Vera" not in (event.detail or "")


def test_no_agency_outside_the_area_can_be_a_source(app, auth, mw, open_gate, make_agency) -> None:
    outsider = make_agency()
    open_gate()
    auth.sign_in_as(mw.chair)
    response = _add(auth, mw, agency=outsider)
    assert response.status_code == 400
    assert "Select the agency that shared this information" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Agency, outsider.id) is not None
    assert _entries(app) == []
