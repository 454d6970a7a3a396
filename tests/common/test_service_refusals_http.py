"""Issue 13, through HTTP on the real database: each form a service can refuse answers a 4xx
with the message in the GOV.UK error summary and on the field it names, and what the user typed
is shown again. One row per form: data the form's own validators accept but the service refuses
(the world and the rows' setups: refusal_world.py).

The static side (every field name a service can give exists on its form) is
test_service_refusals.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from marac_app.common.time import london_today
from marac_app.privacy.models import SubjectRight
from tests.common.refusal_world import (  # noqa: F401 - world is a fixture
    ENTRY,
    HARM,
    PAST,
    SOON,
    World,
    a_request,
    action_version,
    an_action,
    an_entry,
    approved_entry,
    current_protocol_id,
    date_boxes,
    entry_under_review,
    open_gate,
    police_signature,
    referral_version,
    request_version,
    saved_risk_summary_approved,
    set_password_link,
    signed_soon,
    unsigned_problem,
    world,
)
from tests.conftest import Auth
from tests.referrals.test_views import form_data as referral_form

SUMMARY_RE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)


@dataclass(frozen=True)
class Refusal:
    """A form the service refuses: who posts what where, and what they must see."""

    id: str
    role: str
    url: Callable[[World, Flask], str]
    data: Callable[[World, Flask], dict[str, Any]]
    message: str | Callable[[World, Flask], str]
    # The id of the field's GOV.UK error message element, without "-error".
    error_id: str | Callable[[World], str]
    # Something the user typed, shown again (None for a password form: never shown again).
    shown: str | Callable[[World], str] | None
    status: int = 400
    form_path: Callable[[World, Flask], str] | None = None  # where the CSRF token comes from
    setup: Callable[[World, Flask], None] | None = None


REFUSALS = [
    Refusal(
        "admin-area-name-taken",
        "admin",
        lambda w, app: "/admin/areas/new",
        lambda w, app: {"name": "Refusal area", "code": "NEWAR", "active": "y"},
        "An area with this name already exists",
        "name",
        'value="NEWAR"',
    ),
    Refusal(
        "admin-agency-area-not-listed",
        "admin",
        lambda w, app: "/admin/agencies/new",
        lambda w, app: {
            "name": "Brand new agency",
            "kind": "police",
            "areas": "999999",
            "active": "y",
        },
        "Select MARAC areas from the list",
        "areas",
        'value="Brand new agency"',
    ),
    Refusal(
        "admin-user-email-taken",
        "admin",
        lambda w, app: "/admin/users/new",
        lambda w, app: {
            "email": w.rep.email,
            "name": "Second Person",
            "job_title": "Officer",
            "role": "agency_rep",
            "agency": str(w.police.id),
            "area": "",
        },
        "A user with this email address already exists",
        "email",
        'value="Second Person"',
    ),
    Refusal(
        "protocol-version-label-taken",
        "coordinator",
        lambda w, app: "/protocol/versions/new",
        lambda w, app: {
            "title": "A second protocol",
            "version_label": "test-1",
            **date_boxes("effective_date", SOON),
            "grace_days": "30",
            "text": "Agencies agree to share.",
        },
        "Version test-1 already exists. Enter a different version",
        "version_label",
        'value="A second protocol"',
    ),
    Refusal(
        "protocol-statement-unchanged",
        "coordinator",
        lambda w, app: "/protocol/statement/new",
        lambda w, app: {"text": w.statement_text},
        "The new statement is the same as the current one. Change the text or cancel",
        "text",
        lambda w: w.statement_text.splitlines()[0],
    ),
    Refusal(
        "protocol-withdrawn-before-signed",
        "coordinator",
        lambda w, app: f"/protocol/signatures/{police_signature(app, w).id}/withdraw",
        lambda w, app: {
            **date_boxes("withdrawn_on", PAST),
            "withdrawal_reason": "Agency left the MARAC",
            "version": str(police_signature(app, w).version),
        },
        "Withdrawal date must be on or after the date signed",
        "withdrawn_on-date",
        "Agency left the MARAC",
        setup=signed_soon,
    ),
    Refusal(
        "meetings-new-in-the-past",
        "coordinator",
        lambda w, app: "/meetings/new",
        lambda w, app: {
            "day": PAST.isoformat(),
            "start_time": "10:00",
            "end_time": "12:00",
            "venue": "Room Refusal",
            "chair": str(w.chair.id),
            "repeat": "none",
        },
        "The meeting date must be today or in the future",
        "day",
        'value="Room Refusal"',
    ),
    Refusal(
        "meetings-invite-not-a-candidate",
        "coordinator",
        lambda w, app: f"/meetings/{w.meeting.id}/invitations",
        lambda w, app: {"people": "999999"},
        "Select people from the list",
        "people",
        "Select people from the list",
    ),
    Refusal(
        "reports-population-zero",
        "coordinator",
        lambda w, app: f"/reports/areas/{w.area.id}/population",
        lambda w, app: {"adult_women": "0", **date_boxes("as_of", PAST)},
        "Number of adult women must be between 1 and 10,000,000",
        "adult_women",
        'value="0"',
    ),
    Refusal(
        "auth-change-password-unchanged",
        "rep",
        lambda w, app: "/account/password",
        lambda w, app: {
            "current": "correct horse battery staple",
            "password": "correct horse battery staple",
            "confirm": "correct horse battery staple",
        },
        "Your new password must be different from your current one",
        "password",
        None,
    ),
    Refusal(
        "minutes-action-due-in-the-past",
        "chair",
        lambda w, app: f"/minutes/meetings/{w.meeting.id}/cases/{w.case.id}/actions",
        lambda w, app: {
            "owner_agency": str(w.housing.id),
            "description": "Install target hardening",
            **date_boxes("due_date", PAST),
            "priority": "high",
        },
        "The due date must be today or in the future",
        "due_date-date",
        "Install target hardening",
        form_path=lambda w, app: "/",
        setup=open_gate,
    ),
]


REFUSALS += [
    Refusal(
        "actions-new-due-in-the-past",
        "coordinator",
        lambda w, app: f"/actions/cases/{w.case.id}/new",
        lambda w, app: {
            "owner_agency": str(w.housing.id),
            "description": "Install a doorbell camera",
            **date_boxes("due_date", PAST),
            "priority": "high",
        },
        "The due date must be today or in the future",
        "due_date-date",
        "Install a doorbell camera",
    ),
    Refusal(
        "actions-status-unchanged",
        "coordinator",
        lambda w, app: f"/actions/{w.made['action']}/status",
        lambda w, app: {
            "status": "open",
            "note": "Still waiting for the fitter",
            "version": action_version(w, app),
            # A required date is refused when its boxes are missing (the form always has them).
            "dated-day": str(london_today().day),
            "dated-month": str(london_today().month),
            "dated-year": str(london_today().year),
        },
        "The action is already open",
        "status",
        "Still waiting for the fitter",
        setup=an_action,
        form_path=lambda w, app: f"/actions/{w.made['action']}",
    ),
    Refusal(
        "attendance-apologies-without-information",
        "chair",
        lambda w, app: f"/meetings/{w.meeting.id}/attendance/people/{w.rep.id}",
        lambda w, app: {"status": "apologies"},
        "Select whether they sent information before the meeting",
        "information_sent",
        'value="apologies" checked',
    ),
    Refusal(
        "attendance-present-for-an-unsigned-agency",
        "chair",
        lambda w, app: f"/meetings/{w.meeting.id}/attendance/present",
        lambda w, app: {"person-name": "Dee Duty", "person-agency": str(w.unsigned.id)},
        lambda w, app: unsigned_problem(w, app),
        "person-agency",
        'value="Dee Duty"',
        form_path=lambda w, app: f"/meetings/{w.meeting.id}/attendance",
    ),
    Refusal(
        "attendance-observer-without-agreement",
        "chair",
        lambda w, app: f"/meetings/{w.meeting.id}/attendance/observers",
        lambda w, app: {"observer-name": "Olly Observer", "observer-organisation": "SafeLives"},
        "Confirm that the chair agrees to the observer attending",
        "observer-chair_agreed",
        'value="Olly Observer"',
        form_path=lambda w, app: f"/meetings/{w.meeting.id}/attendance",
    ),
    Refusal(
        "minutes-entry-from-another-areas-agency",
        "chair",
        lambda w, app: f"/minutes/meetings/{w.meeting.id}/cases/{w.case.id}",
        lambda w, app: {
            "subject": "victim",
            "kind": "fact",
            "source_agency": str(w.outsider.id),
            "text": "Police attended on 3 January.",
        },
        "Select the agency that shared this information",
        "source_agency",
        "Police attended on 3 January.",
        setup=open_gate,
    ),
    Refusal(
        "minutes-risk-summary-all-blank",
        "chair",
        lambda w, app: f"/minutes/meetings/{w.meeting.id}/cases/{w.case.id}/risk-summary",
        lambda w, app: {"harm_identified": "<p> </p>", "contributing_factors": "<b></b>"},
        "Enter the harm identified, or contributing or protective factors",
        "harm_identified",
        "<b></b>",
        setup=open_gate,
        form_path=lambda w, app: "/",
    ),
]


REFUSALS += [
    Refusal(
        "privacy-refused-without-the-legal-reason",
        "dpo",
        lambda w, app: f"/privacy/requests/{w.made['request']}",
        lambda w, app: {
            "status": "refused",
            "decision": "Refused in full",
            "reason": "",
            "version": request_version(w, app),
        },
        "Enter the legal reason for refusing the request",
        "reason",
        'value="Refused in full"',
        setup=a_request(SubjectRight.ACCESS),
    ),
    Refusal(
        "privacy-erasure-not-confirmed",
        "dpo",
        lambda w, app: f"/privacy/requests/{w.made['request']}/erase",
        lambda w, app: {"reason": "The court ordered it"},
        "Confirm that you want to erase these records",
        "confirm",
        "The court ordered it",
        setup=a_request(SubjectRight.ERASURE),
        form_path=lambda w, app: f"/privacy/requests/{w.made['request']}",
    ),
]


REFUSALS += [
    Refusal(
        "referrals-visible-high-risk-below-the-threshold",
        "coordinator",
        lambda w, app: "/cases/new",
        lambda w, app: referral_form(w.police.id, yes=13),
        "below the threshold of 14",
        "criterion",
        'value="Test Victim-Form"',
    ),
    Refusal(
        "referrals-unknown-earlier-case",
        "coordinator",
        lambda w, app: "/cases/new",
        lambda w, app: referral_form(w.police.id, linked_case_reference="NOPE-2026-0001"),
        "There is no case with that reference in your area",
        "linked_case_reference",
        'value="NOPE-2026-0001"',
    ),
]


REFUSALS += [
    Refusal(
        "protocol-signed-in-the-future",
        "coordinator",
        lambda w, app: f"/protocol/agencies/{w.unsigned.id}/signatures/new",
        lambda w, app: {
            "protocol_version_id": current_protocol_id(app),
            "signatory_name": "Sid Signatory",
            "signatory_job_title": "Director",
            **date_boxes("signed_on", SOON),
        },
        "Date signed must be today or in the past",
        "signed_on-date",
        'value="Sid Signatory"',
    ),
    Refusal(
        "admin-user-edit-email-taken",
        "admin",
        lambda w, app: f"/admin/users/{w.rep.id}",
        lambda w, app: {
            "email": w.coordinator.email,
            "name": "Priya Police-Renamed",
            "job_title": "Officer",
            "role": "agency_rep",
            "agency": str(w.police.id),
            "area": "",
            "version": str(w.rep.version),
        },
        "A user with this email address already exists",
        "email",
        'value="Priya Police-Renamed"',
    ),
    Refusal(
        "auth-set-password-not-confirmed",
        "",
        lambda w, app: f"/set-password/{w.made['token']}",
        lambda w, app: {"password": "violet harbour lantern 42", "confirm": "violet harbour"},
        "Passwords do not match",
        "confirm",
        None,
        setup=set_password_link,
    ),
    Refusal(
        "minutes-amendment-changes-nothing",
        "chair",
        lambda w, app: f"/minutes/meetings/{w.meeting.id}/entries/{w.made['entry']}/amend",
        lambda w, app: {"reason": "Spelling of the street", "text": ENTRY},
        "The corrected text is the same as the minutes",
        "text",
        "Spelling of the street",
        setup=approved_entry,
    ),
]


REFUSALS += [
    Refusal(
        "minutes-edit-entry-from-another-areas-agency",
        "chair",
        lambda w, app: f"/minutes/meetings/{w.meeting.id}/entries/{w.made['entry']}/edit",
        lambda w, app: {
            "version": str(w.made["entry_version"]),
            "subject": "victim",
            "kind": "fact",
            "source_agency": str(w.outsider.id),
            "text": "Police attended on 4 January.",
        },
        "Select the agency that shared this information",
        "source_agency",
        "Police attended on 4 January.",
        setup=an_entry,
    ),
    Refusal(
        "distribution-recipient-not-a-candidate",
        "coordinator",
        lambda w, app: f"/distribution/meetings/{w.meeting.id}/recipients",
        lambda w, app: {"people": "999999"},
        "Select people from the list",
        "people",
        None,  # a list of ticks: the one posted is no one on the page
        setup=approved_entry,
    ),
    Refusal(
        "privacy-rectify-date-of-birth-not-a-date",
        "dpo",
        lambda w, app: f"/privacy/requests/{w.made['request']}/rectify",
        lambda w, app: {
            "case_id": str(w.case.id),
            "field": "date_of_birth",
            "new_value": "27/03/1990",
            "reason": "She gave the right date",
        },
        "Enter the date of birth as YYYY-MM-DD, for example 1990-03-27",
        "new_value",
        'value="27/03/1990"',
        setup=a_request(SubjectRight.RECTIFICATION),
        form_path=lambda w, app: f"/privacy/requests/{w.made['request']}",
    ),
]


REFUSALS += [
    Refusal(
        "protocol-signature-edit-signed-in-the-future",
        "coordinator",
        lambda w, app: f"/protocol/signatures/{police_signature(app, w).id}",
        lambda w, app: {
            "version": str(police_signature(app, w).version),
            "protocol_version_id": current_protocol_id(app),
            "signatory_name": "Sam Signatory-Edited",
            "signatory_job_title": "Head of Safeguarding",
            **date_boxes("signed_on", SOON),
        },
        "Date signed must be today or in the past",
        "signed_on-date",
        'value="Sam Signatory-Edited"',
    ),
    Refusal(
        "referrals-edit-below-the-threshold",
        "coordinator",
        lambda w, app: f"/cases/referrals/{w.item.referral_id}/edit",
        lambda w, app: referral_form(w.police.id, yes=13, version=referral_version(w, app)),
        "below the threshold of 14",
        "criterion",
        'value="Test Victim-Form"',
    ),
]


REFUSALS += [
    Refusal(
        "minutes-risk-amendment-changes-nothing",
        "chair",
        lambda w, app: f"/minutes/meetings/{w.meeting.id}/cases/{w.case.id}/risk-summary/amend",
        lambda w, app: {"field": "harm_identified", "reason": "Wording", "text": HARM},
        "The corrected text is the same as the minutes",
        "text",
        "Wording",
        setup=saved_risk_summary_approved,
    ),
    Refusal(
        "privacy-record-not-offered",
        "dpo",
        lambda w, app: f"/privacy/requests/{w.made['request']}/matches",
        lambda w, app: {"records": "case:999999:victim:0"},
        "Select records from the list shown",
        "records",
        "Vera Victim",  # the records offered are listed again, none ticked
        setup=a_request(SubjectRight.ACCESS, attach=False),
    ),
]


REFUSALS += [
    Refusal(
        "privacy-redaction-not-in-the-passage",
        "dpo",
        lambda w, app: f"/privacy/requests/{w.made['request']}/cases/{w.case.id}/review",
        lambda w, app: {
            "passage": f"entry:{w.made['entry']}",
            "decision": "redact",
            "redactions": "Flat 9 Nowhere Street",
        },
        "The passage does not contain “Flat 9 Nowhere Street”",
        lambda w: f"passage-entry-{w.made['entry']}-redactions",
        "Flat 9 Nowhere Street",
        setup=entry_under_review,
    ),
]


def _coordinated(w: World, app: Flask) -> None:
    """The world's case is co-ordinated (issue 14): not heard, its page takes actions."""
    from marac_app.extensions import db
    from marac_app.referrals.models import AgendaItem, CaseMode

    with app.app_context():
        item = db.session.get(AgendaItem, w.item.id)
        assert item is not None
        item.mode = CaseMode.COORDINATED
        db.session.commit()


REFUSALS += [
    Refusal(
        "coordination-triage-choice-missing",
        "coordinator",
        lambda w, app: f"/coordination/meetings/{w.meeting.id}/triage",
        lambda w, app: {
            "versions": f"{w.item.id}:1",
            **date_boxes(f"closing_{w.item.id}", SOON),
        },
        lambda w, app: f"Select heard or co-ordinated for case {w.case.reference}",
        lambda w: f"mode_{w.item.id}",
        f'value="{SOON.year}"',
    ),
    Refusal(
        "coordination-action-due-in-the-past",
        "chair",
        lambda w, app: f"/coordination/meetings/{w.meeting.id}/cases/{w.case.id}/actions",
        lambda w, app: {
            "owner_agency": str(w.housing.id),
            "description": "Share the call log",
            **date_boxes("due_date", PAST),
            "priority": "high",
        },
        "The due date must be today or in the future",
        "due_date-date",
        "Share the call log",
        form_path=lambda w, app: "/",
        setup=_coordinated,
    ),
    Refusal(
        "coordination-sign-off-without-actions-or-reason",
        "chair",
        lambda w, app: f"/coordination/meetings/{w.meeting.id}/cases/{w.case.id}/sign-off",
        lambda w, app: {"no_actions_reason": "   "},
        "Agree at least one action, or enter why no actions were agreed, before you sign off "
        "the case record",
        "no_actions_reason",
        None,
        form_path=lambda w, app: "/",
        setup=_coordinated,
    ),
]


def _summary(page: str) -> str:
    match = SUMMARY_RE.search(page)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.id for r in REFUSALS])
def test_a_refused_form_shows_the_message_on_its_field(
    app: Flask, auth: Auth, world: World, refusal: Refusal
) -> None:
    if refusal.setup is not None:
        refusal.setup(world, app)
    if refusal.role:  # else a public page
        auth.sign_in_as(world.user(refusal.role))
    url = refusal.url(world, app)
    form_path = refusal.form_path(world, app) if refusal.form_path else url
    response = auth.post(url, refusal.data(world, app), form_path=form_path)
    page = response.get_data(as_text=True)
    message = refusal.message(world, app) if callable(refusal.message) else refusal.message
    assert response.status_code == refusal.status, page[:2000]
    assert message in _summary(page), _summary(page) or page[:2000]
    error_id = refusal.error_id(world) if callable(refusal.error_id) else refusal.error_id
    assert f'id="{error_id}-error"' in page, re.findall(r'id="[^"]*-error"', page)
    assert message in html.unescape(page.split(f'id="{error_id}-error"')[1][:600])
    shown = refusal.shown(world) if callable(refusal.shown) else refusal.shown
    if shown is not None:
        assert shown in html.unescape(page)
