"""The coordinator reads the statistics page (tables and server-drawn SVG charts, no
scripts of its own), downloads the OFFICIAL-SENSITIVE spreadsheet and corrects the area
population after a mistake (axe-core checked in a real browser)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from marac_app.auth.models import Role
from marac_app.demo import DEMO_USERS
from marac_app.reports.quarters import Quarter
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

COORDINATOR = next(person for person in DEMO_USERS if person.role is Role.COORDINATOR)


def test_coordinator_reads_statistics_and_downloads_the_return(
    page: Page, live_server: str, csp_errors: list[str]
) -> None:
    sign_in(page, live_server, COORDINATOR)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Statistics and SafeLives data return"
    )
    assert_accessible(page, "the statistics page (last complete quarter)")

    current = Quarter.containing(date.today())
    page.get_by_label("Quarter", exact=True).select_option(current.key)
    page.get_by_role("button", name="Show statistics").click()
    expect(page.get_by_role("heading", name=current.label)).to_be_visible()
    expect(
        page.get_by_role("img", name="Cases per 10,000 adult women a year, Cambridge")
    ).to_be_visible()  # the demo sets Cambridge's population
    expect(page.get_by_role("img", name="Repeat rate per quarter, Cambridge")).to_be_visible()
    expect(page.get_by_role("table", name="The numbers in the charts, by quarter")).to_be_visible()
    assert page.locator("main script").count() == 0
    assert_accessible(page, "the statistics page with charts")
    screenshot(page, "reports-statistics")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the return as a spreadsheet (XLSX)").click()
    assert download.value.suggested_filename.endswith(f"{current.key}.xlsx")
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"

    page.get_by_role("link", name="Change the population of adult women").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Population of adult women")
    page.get_by_label("Number of adult women living in the area").fill("fifty thousand")
    page.get_by_role("button", name="Save population").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Number of adult women must be a whole number"
    )
    assert_accessible(page, "the population form with an error")
    page.get_by_label("Number of adult women living in the area").fill("50,000")
    page.get_by_role("button", name="Save population").click()
    expect(page.get_by_text("The population of Cambridge has been saved.")).to_be_visible()
    assert_no_csp_errors(csp_errors)
