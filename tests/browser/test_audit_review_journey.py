"""The Data Protection Officer reviews the audit trail in a real browser (axe-core checked)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marac_app.auth.models import Role
from marac_app.demo import DEMO_USERS
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_marked,
    assert_no_csp_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

DPO = next(person for person in DEMO_USERS if person.role is Role.DPO)


def test_dpo_searches_the_trail_and_sees_who_viewed_a_case(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, DPO)
    expect(page.get_by_role("link", name="Who has viewed a case")).to_be_visible()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    assert_marked(page)
    expect(page.get_by_role("cell", name="sign_in").first).to_be_visible()
    assert_accessible(page, "the audit trail")

    page.locator('[name="from_date-day"]').fill("31")
    page.locator('[name="from_date-month"]').fill("2")
    page.locator('[name="from_date-year"]').fill("2026")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Date from must be a real date")
    expect(page.locator('[name="from_date-day"]')).to_have_value("31")
    assert_accessible(page, "the audit trail search with an error")

    page.locator('[name="from_date-day"]').fill("1")
    page.get_by_label("Action").fill("sign_in")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name=DPO.name).first).to_be_visible()
    assert_accessible(page, "the audit trail search results")

    page.get_by_role("link", name="Who has viewed a case").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has viewed a case")
    page.get_by_label("Case reference").fill("CAM-2026-0001")
    page.get_by_role("button", name="Show who has viewed it").click()
    expect(page.locator("caption")).to_contain_text("CAM-2026-0001")
    assert_accessible(page, "who has viewed a case")
    assert_no_csp_errors(csp_errors)
