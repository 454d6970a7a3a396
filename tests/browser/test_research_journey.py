"""Research returns and co-ordination without a hearing, in a real browser: the coordinator
circulates a meeting's research list; the police representative returns a fact about the
victim for the first case and the housing representative says their agency holds nothing;
the chair sees both returns on the live case page and makes the police fact a minute entry in
one click (shown as a fact from the police). The coordinator then triages the second case as
co-ordinated, the chair signs its record off with "no actions because …", approves the
minutes, and the stamped PDF the chair downloads (read back with pypdf) marks that case
"Co-ordinated". axe-core finds no violation on any page visited.

The meeting is built straight into the live server's database (a Cambridge meeting ten days
ahead, so within the research return deadline, with the police and housing representatives
invited, two cases listed, and the confidentiality gate opened through the services), so the
journey is the research returns' alone and the other journeys' meetings stay as they were.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import (
    CHAIR,
    COORDINATOR,
    HOUSING,
    POLICE,
    POLICE_REP,
    demo_meeting,
    demo_user,
    on_server_database,
)
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

HOUSING_REP = demo_user("housing.rep@demo.example")
FACT = "Police attended the victim's address three times in March after reports of threats."
NO_ACTIONS = "No actions because the IDVA already supports the victim and the risk has fallen."
APPROVAL_REASON = "The risk summary and actions for this case were agreed by email afterwards."
# The button's name ends in visually hidden text, which chromium joins with a space.
MAKE_ENTRY = re.compile(rf"^Add to the minutes\s*: fact about the victim from {re.escape(POLICE)}$")


def _build_meeting(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any]]:
    """A Cambridge meeting ten days ahead with the police and housing representatives
    invited, two cases listed ("Rhea Research" and "Cleo Coordinated") and the gate opened
    (statement read, the police representative present and acknowledged), through the real
    services on the live server's database; returns (meeting id, the cases' ids and
    references)."""
    from marac_app.db import utcnow
    from marac_app.extensions import db
    from tests.fixtures import listed_case

    with on_server_database(database_url, monkeypatch):
        starts = (utcnow() + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
        built = demo_meeting(
            starts, "Research journey room (demo)", [POLICE_REP, HOUSING_REP], present=POLICE_REP
        )
        meeting, area, police = built.meeting, built.area, built.police
        researched, _ = listed_case(
            area.id, police.id, meeting.id, 1, "Rhea Research", prefix="RSJ"
        )
        coordinated, _ = listed_case(
            area.id, police.id, meeting.id, 2, "Cleo Coordinated", prefix="RSJ"
        )
        db.session.commit()
        found = (
            meeting.id,
            {
                "researched_id": researched.id,
                "researched_ref": researched.reference,
                "coordinated_id": coordinated.id,
                "coordinated_ref": coordinated.reference,
            },
        )
    return found


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def _open_returns_from_home(page: Page, meeting_id: int) -> None:
    """A representative follows the home page's "Research returns due" to the meeting."""
    due = page.locator("#research-returns-due + ul")
    expect(due).to_contain_text("2 cases not yet returned by your agency")
    assert_accessible(page, "a representative's home page with research returns due")
    page.locator(f"a[href='/research/meetings/{meeting_id}']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Research returns")


def test_research_returns_become_minutes_and_a_coordinated_case_is_signed_off(
    page: Page,
    live_server: str,
    browser_database_url: str,
    csp_errors: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting_id, cases = _build_meeting(browser_database_url, monkeypatch)
    researched_ref = cases["researched_ref"]
    coordinated_ref = cases["coordinated_ref"]

    # 1. The coordinator circulates the research list.
    sign_in(page, live_server, COORDINATOR)
    page.goto(f"/research/meetings/{meeting_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Research returns")
    expect(page.locator("main")).to_contain_text("The research list has not been circulated yet.")
    matrix = page.locator("#returns-matrix")
    expect(matrix).to_contain_text("2 cases × 2 invited agencies")
    assert_accessible(page, "the coordinator's research returns page before circulation")
    page.get_by_role("button", name="Circulate the research list", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The research list has been circulated to 2 representatives."
    )
    expect(page.locator("main")).to_contain_text("The research list was circulated on")
    expect(
        page.get_by_role("button", name="Circulate the research list again", exact=True)
    ).to_be_visible()
    assert_accessible(page, "the coordinator's research returns page after circulation")
    _sign_out(page)

    # 2a. The police representative returns a fact about the victim for the first case.
    sign_in(page, live_server, POLICE_REP)
    _open_returns_from_home(page, meeting_id)
    own = page.locator("#agency-returns")
    expect(own.get_by_role("row").filter(has_text=researched_ref)).to_contain_text(
        "Not yet returned"
    )
    assert_accessible(page, "the police representative's research returns page")
    own.get_by_role("link", name=f"Make the return for {researched_ref}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Research return for case {researched_ref}"
    )
    expect(page.locator("main")).to_contain_text("Rhea Research")
    expect(page.locator("main")).to_contain_text(f"For {POLICE}.")
    assert_accessible(page, "the police representative's return form")
    first = page.get_by_role("group", name="Information 1")
    first.get_by_label("Who is it about?").select_option(label="Victim")
    first.get_by_label("Fact or professional opinion?").select_option(label="Fact")
    first.get_by_label("What your agency holds").fill(FACT)
    page.get_by_role("button", name="Save the return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your agency's research return for this case has been saved."
    )
    expect(own.get_by_role("row").filter(has_text=researched_ref)).to_contain_text("Returned")
    assert_accessible(page, "the police representative's returns page after the return")
    _sign_out(page)

    # 2b. The housing representative says their agency holds nothing.
    sign_in(page, live_server, HOUSING_REP)
    _open_returns_from_home(page, meeting_id)
    own.get_by_role("link", name=f"Make the return for {researched_ref}").click()
    expect(page.locator("main")).to_contain_text(f"For {HOUSING}.")
    assert_accessible(page, "the housing representative's return form")
    page.get_by_label("My agency holds no information about the people in this case").check()
    page.get_by_role("button", name="Save the return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your agency's research return for this case has been saved."
    )
    expect(own.get_by_role("row").filter(has_text=researched_ref)).to_contain_text("Nothing held")
    assert_accessible(page, "the housing representative's returns page after the return")
    _sign_out(page)

    # 3. The chair sees both returns on the live case page and makes the fact an entry.
    sign_in(page, live_server, CHAIR)
    page.goto(f"/minutes/meetings/{meeting_id}/cases/{cases['researched_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {researched_ref}")
    returns = page.locator("#research-returns")
    expect(
        returns.get_by_role("heading", name=re.compile(f"^{re.escape(POLICE)}"))
    ).to_contain_text("Returned")
    expect(
        returns.get_by_role("heading", name=re.compile(f"^{re.escape(HOUSING)}"))
    ).to_contain_text("Nothing held")
    expect(returns).to_contain_text(FACT)
    entries = page.locator("#live-entries")
    expect(entries).to_contain_text("No entries have been recorded for this case yet.")
    assert_accessible(page, "the live case page with the research returns")
    screenshot(page, "research-returns-live-case")
    returns.get_by_role("button", name=MAKE_ENTRY).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"The information from {POLICE} is now a minute entry."
    )
    expect(returns).to_contain_text("In the minutes.")
    expect(returns.get_by_role("button", name=re.compile("^Add to the minutes"))).to_have_count(0)
    entry = entries.locator(".marac-entry").filter(has_text=FACT)
    expect(entry).to_have_count(1)
    expect(entry).to_have_attribute("data-kind", "fact")
    expect(entry).to_have_attribute("data-subject", "victim")
    expect(entry.locator(".govuk-tag")).to_have_text("Fact")
    expect(entry).to_contain_text(POLICE)
    expect(entries.locator("#subject-victim")).to_contain_text("Facts")
    assert_accessible(page, "the live case page with the entry made from the return")
    _sign_out(page)

    # 4a. The coordinator triages the second case as co-ordinated.
    sign_in(page, live_server, COORDINATOR)
    page.goto(f"/coordination/meetings/{meeting_id}/triage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage the case list")
    assert_accessible(page, "the triage page")
    page.get_by_role("group", name=f"How is case {researched_ref} dealt with?").get_by_label(
        "Heard at the meeting", exact=True
    ).check()
    page.get_by_role("group", name=f"How is case {coordinated_ref} dealt with?").get_by_label(
        "Co-ordinated (not heard)", exact=True
    ).check()
    page.get_by_role("button", name="Save the triage").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The triage has been saved: 1 case changed."
    )
    expect(
        page.get_by_role("group", name=f"How is case {coordinated_ref} dealt with?").get_by_label(
            "Co-ordinated (not heard)", exact=True
        )
    ).to_be_checked()
    assert_accessible(page, "the triage page after saving")
    _sign_out(page)

    # 4b. The chair signs off the co-ordinated case's record: refused without an action or a
    # reason, then signed off with "no actions because …".
    sign_in(page, live_server, CHAIR)
    page.goto(f"/coordination/meetings/{meeting_id}/cases/{cases['coordinated_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {coordinated_ref}")
    expect(page.locator("main")).to_contain_text("Co-ordinated (not heard at the meeting)")
    expect(page.locator("#sign-off-state")).to_have_text("Not yet signed off")
    assert_accessible(page, "the co-ordinated case page")
    page.get_by_role("button", name="Sign off the case record").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Agree at least one action, or enter why no actions were agreed"
    )
    expect(page.locator("#sign-off-state")).to_have_text("Not yet signed off")
    assert_accessible(page, "the co-ordinated case page with the sign-off refused")
    page.get_by_label("If no actions were agreed: no actions because…").fill(NO_ACTIONS)
    page.get_by_role("button", name="Sign off the case record").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"The record of case {coordinated_ref} has been signed off."
    )
    expect(page.locator("#sign-off-state")).to_contain_text(f"Signed off by {CHAIR.name}")
    expect(page.locator("#no-actions-reason")).to_have_text(f"No actions because: {NO_ACTIONS}")
    assert_accessible(page, "the co-ordinated case page after sign-off")

    # 4c. The chair approves the minutes (the heard case needs a reason: no risk summary, no
    # actions; the signed-off co-ordinated case is complete).
    page.goto(f"/minutes/meetings/{meeting_id}")
    assert_accessible(page, "the meeting's minutes page before approval")
    page.get_by_role("button", name="Check and approve the minutes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the minutes before approval")
    table = page.locator("#approval-check")
    expect(table.get_by_role("row").filter(has_text=coordinated_ref)).to_contain_text("Complete")
    expect(table.get_by_role("row").filter(has_text=coordinated_ref)).to_contain_text(
        "Co-ordinated (not heard at the meeting), signed off"
    )
    expect(page.locator("#incomplete-cases")).to_contain_text(
        f"1 case is incomplete: {researched_ref}"
    )
    assert_accessible(page, "the approval check page")
    page.get_by_label(f"Why is case {researched_ref} approved without").fill(APPROVAL_REASON)
    page.get_by_role(
        "checkbox", name=re.compile("I have checked the minutes of every case")
    ).check()
    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("have been approved")
    expect(page.locator("#approved")).to_contain_text(f"Approved by {CHAIR.name}")
    assert_accessible(page, "the meeting's minutes page after approval")

    # 4d. The chair's stamped copy marks the co-ordinated case.
    page.goto(f"/meetings/{meeting_id}")
    download_link = page.get_by_role(
        "link", name="Download your copy of the minutes (PDF, OFFICIAL-SENSITIVE)"
    )
    expect(download_link).to_be_visible()
    assert_accessible(page, "the meeting page with the minutes to download")
    with page.expect_download() as download:
        download_link.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(sheet.extract_text() or "" for sheet in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert coordinated_ref in text
    assert "Co-ordinated (not heard at the meeting). Signed off by" in text, text
    assert CHAIR.name in text
    assert researched_ref in text
    assert "three times in March" in text
    assert_no_csp_errors(csp_errors)
