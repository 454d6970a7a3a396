"""Approval that cannot go wrong, in a real browser (issue 13): the chair opens the approval
check page of a meeting whose second case has nothing recorded, is refused (no confirmation,
no reason for the incomplete case), then approves with a reason, which the minutes show.
axe-core finds no violation on any page visited.

The meeting is built straight into the live server's database (yesterday's Cambridge meeting,
opened, one case fully minuted and one left empty), so the journey is the approval's alone and
today's demo meeting stays for the minutes journey.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHAIR, POLICE_REP, demo_meeting, on_server_database
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

REASON = "Deferred to the next meeting: the IDVA could not reach the victim in time."


def _build_meeting(database_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """Yesterday's Cambridge meeting, opened, with case 1 minuted in full and case 2 empty,
    through the real services on the live server's database; returns (meeting id, case 1
    reference, case 2 reference)."""
    from marac_app.common.time import london_today
    from marac_app.db import utcnow
    from marac_app.extensions import db
    from marac_app.minutes import services
    from tests.fixtures import listed_case

    with on_server_database(database_url, monkeypatch):
        built = demo_meeting(
            utcnow() - timedelta(days=1),
            "Approval journey room (demo)",
            [POLICE_REP],
            present=POLICE_REP,
        )
        meeting, area, police, chair = built.meeting, built.area, built.police, built.chair
        case1, item1 = listed_case(area.id, police.id, meeting.id, 1, "Ava Approval", prefix="APR")
        case2, _ = listed_case(area.id, police.id, meeting.id, 2, "Bea Approval", prefix="APR")
        db.session.flush()
        services.add_entry(
            item1,
            subject="victim",
            kind="fact",
            source_agency=police,
            text="Police attended twice.",
            actor=chair,
        )
        services.save_risk_summary(
            item1,
            version=None,
            harm_identified="Threats to kill.",
            contributing_factors="",
            protective_factors="",
            actor=chair,
        )
        services.agree_action(
            item1,
            owner_agency=police,
            description="Check bail conditions",
            due_date=london_today() + timedelta(days=7),
            priority="medium",
            actor=chair,
        )
        db.session.commit()
        found = (meeting.id, case1.reference, case2.reference)
    return found


def test_the_check_page_refuses_an_incomplete_meeting_then_approves_with_a_reason(
    page: Page,
    live_server: str,
    browser_database_url: str,
    csp_errors: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting_id, complete_ref, empty_ref = _build_meeting(browser_database_url, monkeypatch)
    sign_in(page, live_server, CHAIR)
    page.goto(f"/minutes/meetings/{meeting_id}")
    expect(page.locator("#circulation")).to_have_text("Draft for comments")
    page.get_by_role("button", name="Check and approve the minutes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the minutes before approval")
    warning = page.locator("#incomplete-cases")
    expect(warning).to_contain_text(f"1 case is incomplete: {empty_ref}")
    expect(warning).not_to_contain_text(complete_ref)
    table = page.locator("#approval-check")
    complete_row = table.get_by_role("row").filter(has_text=complete_ref)
    expect(complete_row).to_contain_text("Complete")
    expect(complete_row).to_contain_text("Recorded")
    empty_row = table.get_by_role("row").filter(has_text=empty_ref)
    expect(empty_row).to_contain_text("Incomplete")
    expect(empty_row).to_contain_text("No actions")
    assert_accessible(page, "the approval check page")
    screenshot(page, "approval-check")

    # One click is refused: no confirmation, no reason for the empty case.
    page.get_by_role("button", name="Approve the minutes").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(f"Enter why case {empty_ref} is approved without entries")
    expect(summary).to_contain_text("Confirm that you have checked the minutes of every case")
    expect(page.locator("#approved")).to_have_count(0)
    assert_accessible(page, "the approval check page with errors")
    summary.get_by_role("link", name=re.compile(f"^Enter why case {empty_ref}")).click()
    reason = page.get_by_label(f"Why is case {empty_ref} approved without")
    expect(reason).to_be_focused()

    # With the reason and the confirmation it goes ahead.
    reason.fill(REASON)
    page.get_by_role(
        "checkbox", name=re.compile("I have checked the minutes of every case")
    ).check()
    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("have been approved")
    expect(page.locator("#approved")).to_contain_text(f"Approved by {CHAIR.name}")
    assert_accessible(page, "the meeting after approval")

    page.get_by_role("link", name="Read the minutes").click()
    expect(page.locator("main")).to_contain_text(
        f"Approved without entries, a risk summary and actions. Reason: {REASON}"
    )
    assert_accessible(page, "the approved minutes with the reason")
    assert_no_csp_errors(csp_errors)
