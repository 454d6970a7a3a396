"""A coordinator schedules a recurring series and invites two agencies' representatives:
the signed-up agency's person is invited, the unsigned agency's person is refused with the
reason. Every page passes axe-core with no violations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from marac_app.demo import DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_marked,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

COORDINATOR = next(p for p in DEMO_USERS if p.email == "coordinator@demo.example")
POLICE_REP = next(p for p in DEMO_USERS if p.email == "police.rep@demo.example")
HEALTH_REP = next(p for p in DEMO_USERS if p.email == "health.rep@demo.example")
REFUSAL = (
    "Fenshire Community Health (demo) has not signed version 1 of the information-sharing protocol"
)


def _next_tuesday() -> date:
    day = date.today() + timedelta(days=7)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def test_coordinator_schedules_a_series_and_invites(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, COORDINATOR)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    assert_marked(page)
    assert_accessible(page, "the meetings list")

    page.get_by_role("link", name="Schedule a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule a meeting")
    assert_accessible(page, "the schedule form")

    # A mistake first: no venue and no link.
    page.get_by_label("Venue", exact=True).fill("")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter a venue or an online meeting link (or both)"
    )
    assert_accessible(page, "the schedule form with errors")

    first = _next_tuesday()
    page.get_by_label("Date", exact=True).fill(first.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("13:00")
    page.get_by_label("Venue", exact=True).fill("Fenshire Police HQ, Room 3 (demo)")
    page.get_by_label("Chair").select_option(label="Charles Demo-Chair")
    page.get_by_label("Every few weeks on a weekday").check()
    page.get_by_label('Every how many weeks (for "every few weeks")').fill("4")
    page.get_by_label("Weekday", exact=True).select_option(label="Tuesday")
    page.get_by_label("Number of meetings").fill("6")
    page.get_by_role("button", name="Schedule").click()

    expect(page.get_by_text("6 meetings have been scheduled")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MARAC meeting")
    expect(page.get_by_text("Every 4 weeks on Tuesday, 6 meetings", exact=True)).to_be_visible()
    expect(page.get_by_text("Referral cut-off", exact=True)).to_be_visible()
    assert_accessible(page, "the meeting page")
    screenshot(page, "meeting-page")

    page.get_by_role("link", name="Invite people").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite people")
    assert_accessible(page, "the invitation form")
    page.get_by_label(POLICE_REP.name).check()
    page.get_by_label(HEALTH_REP.name).check()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("alert")).to_contain_text(REFUSAL)
    assert_accessible(page, "the invitation form with the refusal")
    screenshot(page, "meeting-invite-refused")

    page.get_by_label(HEALTH_REP.name).uncheck()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 person has been invited")).to_be_visible()
    invited = page.get_by_role("table").filter(has_text="Invited")
    expect(invited).to_contain_text(POLICE_REP.name)
    expect(invited).not_to_contain_text(HEALTH_REP.name)
    assert_accessible(page, "the meeting page after inviting")

    page.goto("/meetings/outbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    # The demo's past cycle sent the police representative a research list too.
    invitations = page.get_by_role("row").filter(has_text="Invitation: MARAC meeting")
    expect(invitations.filter(has_text=POLICE_REP.email).first).to_be_visible()
    assert_accessible(page, "the outbox")
    page.get_by_role("link", name="Invitation: MARAC meeting").first.click()
    expect(page.get_by_text("METHOD:REQUEST").first).to_be_visible()
    assert_accessible(page, "an outbox message")
    assert_no_csp_errors(csp_errors)
