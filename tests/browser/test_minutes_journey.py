"""The live meeting in the browser: the chair reviews outstanding actions, runs one case
(a fact, a professional opinion, the victim's view, the risk summary, two actions for two
agencies) and approves the minutes; the police representative then sees their new action on
their home page, completes it with a note, and gets 404 on the housing agency's action.
Works whether or not the attendance journey already opened today's meeting. axe-core finds
no violation on any page visited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHAIR, HOUSING, POLICE, POLICE_REP
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

POLICE_ACTION = "Minutes journey: check bail conditions and tell the IDVA"
HOUSING_ACTION = "Minutes journey: fit a door chain at the property"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def _ensure_gate_open(page: Page, meeting_path: str) -> None:
    """Open today's meeting unless an earlier journey already did."""
    page.goto(f"{meeting_path}/run")
    if page.locator("#gate-problems").count() == 0:
        return
    page.goto(f"{meeting_path}/open")
    mark = page.get_by_role("button", name="Mark the statement as read")
    if mark.count():
        mark.click()
    page.goto(f"{meeting_path}/attendance")
    record = page.get_by_role("link", name=f"Record attendance for {POLICE_REP.name}")
    if record.count():
        record.click()
        page.get_by_label("Present", exact=True).check()
        page.get_by_role("button", name="Save attendance").click()
    for _ in range(5):
        buttons = page.get_by_role("button", name=re.compile(r"^Record acknowledgement"))
        if buttons.count() == 0:
            break
        buttons.first.click()
        page.wait_for_load_state()
    page.goto(f"{meeting_path}/run")
    expect(page.locator("#gate-problems")).to_have_count(0)


def _add_entry(page: Page, subject: str, kind: str, agency: str, text: str) -> None:
    form = page.locator("form").filter(has=page.get_by_role("button", name="Add entry"))
    form.get_by_role("group", name="Who is this about?").get_by_label(subject, exact=True).check()
    form.get_by_role("group", name="What kind of information is it?").get_by_label(
        kind, exact=True
    ).check()
    form.get_by_label("Agency that shared it").select_option(label=agency)
    form.get_by_label("What was shared").fill(text)
    form.get_by_role("button", name="Add entry").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("added")


def _add_action(page: Page, agency: str, description: str, due: date) -> None:
    form = page.locator("form").filter(has=page.get_by_role("button", name="Add action"))
    form.get_by_label("Owner agency").select_option(label=agency)
    form.get_by_label("What is the action?").fill(description)
    form.get_by_label("Day").fill(str(due.day))
    form.get_by_label("Month").fill(str(due.month))
    form.get_by_label("Year").fill(str(due.year))
    form.get_by_label("High", exact=True).check()
    form.get_by_role("button", name="Add action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Action added for {agency}")


def test_chair_runs_a_case_and_approves_then_the_rep_updates_their_action(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, CHAIR)
    today = page.locator("#todays-meetings")
    expect(today).to_be_visible()
    href = today.get_by_role("link", name=re.compile(r"^Open the meeting")).first.get_attribute(
        "href"
    )
    meeting_path = re.sub(r"/open$", "", href.replace(live_server, ""))
    meeting_id = meeting_path.rsplit("/", 1)[-1]
    _ensure_gate_open(page, meeting_path)

    # The start page: outstanding actions first, then the case list, then approval.
    page.goto(f"/minutes/meetings/{meeting_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Run the meeting")
    headings = page.locator("main h2").all_inner_texts()
    assert headings[:2] == ["Outstanding actions from earlier meetings", "Case list"], headings
    assert "Approval" in headings, headings
    expect(page.locator("#outstanding-actions, #no-outstanding").first).to_be_visible()
    assert_accessible(page, "the meeting's start page")
    screenshot(page, "minutes-start")
    case_links = page.locator("#case-list a")
    assert case_links.count() > 0, "the demo data must put cases on today's meeting"
    case_links.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case ")
    expect(page.locator("#case-summary")).to_contain_text("Victim")
    assert_accessible(page, "the live case page")

    # A mistake first: nothing chosen.
    page.get_by_role("button", name="Add entry").click()
    expect(page.get_by_role("alert")).to_contain_text("Select who the information is about")
    assert_accessible(page, "the case page with errors")

    _add_entry(
        page,
        "Victim",
        "Fact",
        POLICE,
        "Police attended the address <strong>three times</strong> this month.",
    )
    _add_entry(
        page,
        "Perpetrator",
        "Professional opinion",
        HOUSING,
        "The tenancy officer believes the risk is escalating.",
    )
    _add_entry(
        page,
        "Victim",
        "Victim's view (as relayed by the IDVA)",
        POLICE,
        "She wants to stay in her home with more security.",
    )
    facts = page.locator(".marac-kind--fact")
    expect(facts.get_by_role("heading", name="Facts")).to_be_visible()
    expect(facts).to_contain_text("three times")
    expect(facts.locator("strong", has_text="three times")).to_be_visible()
    expect(page.locator(".marac-kind--professional_opinion")).to_contain_text("escalating")
    expect(page.locator(".marac-kind--victims_view")).to_contain_text("stay in her home")
    assert_accessible(page, "the case page with entries of three kinds")

    # Filter to opinions only (a plain GET form, no script needed).
    page.get_by_label("Kind").select_option(label="Professional opinion")
    page.get_by_role("button", name="Filter entries").click()
    expect(page.locator("main")).to_contain_text("escalating")
    expect(page.locator("main")).not_to_contain_text("three times")
    assert_accessible(page, "the filtered case page")
    page.get_by_role("link", name="Show all entries").click()

    risk = page.locator("form").filter(has=page.get_by_role("button", name="Save risk summary"))
    risk.get_by_label("Harm identified").fill("Repeated physical assaults; threats to kill.")
    risk.get_by_label("Contributing factors").fill("Recent separation; alcohol misuse.")
    risk.get_by_label("Protective factors").fill("Supportive sister nearby.")
    risk.get_by_role("button", name="Save risk summary").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("risk summary")

    due = date.today() + timedelta(days=2)
    _add_action(page, POLICE, POLICE_ACTION, due)
    _add_action(page, HOUSING, HOUSING_ACTION, due)
    actions = page.locator("#actions + table, table").filter(has_text=POLICE_ACTION)
    expect(actions).to_contain_text(HOUSING_ACTION)
    housing_href = actions.get_by_role("link", name=HOUSING_ACTION).get_attribute("href")
    assert_accessible(page, "the case page with the risk summary and actions")
    screenshot(page, "minutes-case")

    # Approve: the minutes become read-only.
    page.get_by_role("link", name="Back to the meeting").first.click()
    page.get_by_role("button", name="Check and approve the minutes").click()
    # The check page: the other demo cases were not minuted here, so each needs a reason.
    for reason in page.locator("textarea[name^='reason_']").all():
        reason.fill("Not heard in this journey")
    page.get_by_role(
        "checkbox", name=re.compile("I have checked the minutes of every case")
    ).check()
    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.locator("#approved")).to_contain_text(f"Approved by {CHAIR.name}")
    assert_accessible(page, "the meeting after approval")
    page.locator("#case-list a").first.click()
    expect(page.get_by_role("button", name="Add entry")).to_have_count(0)
    expect(page.locator("#approved")).to_contain_text("read-only")
    assert_accessible(page, "the approved, read-only case page")
    _sign_out(page)

    # The police representative: their new action on the home page, updated; housing's 404.
    sign_in(page, live_server, POLICE_REP)
    expect(page.get_by_role("heading", name="My agency's actions")).to_be_visible()
    page.get_by_role("link", name=POLICE_ACTION).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action for")
    assert_accessible(page, "the representative's action")
    page.get_by_label("Completed", exact=True).check()
    page.get_by_label("Note", exact=True).fill("Bail conditions checked; IDVA told.")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Completed")
    expect(page.locator("main")).to_contain_text("Bail conditions checked; IDVA told.")
    assert_accessible(page, "the action after it was completed")

    response = page.goto(housing_href)
    assert response is not None and response.status == 404, housing_href
    response = page.goto(f"/minutes/meetings/{meeting_id}")
    assert response is not None and response.status == 404
    assert_no_csp_errors(csp_errors)
