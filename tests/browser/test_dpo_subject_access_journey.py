"""The Data Protection Officer answers an alleged perpetrator's subject access request in a
real browser (issue 11, must-show 2): logs the request for "Demo Perpetrator-Two", sees his
record in case CAM-2026-0002 found in his role, attaches it, reviews each passage (one
disclosed, one redacted, one withheld under an exemption, after a mistake), and downloads the
copy — which holds nothing of the victim's. axe-core finds no violation on any page visited.

The demo data has no minutes, so the test first records three entries about the perpetrator
and a victim's view (never his to see) on CAM-2026-0002, straight into the live server's
database: the journey is the DPO's, not the meeting's (and CAM-2026-0001 is left to the minutes
journey, which writes its minutes in the same session). The demo's CAM-2026-0001 perpetrator
is checked in tests/privacy/test_subject_access_by_role.py.
"""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from pypdf import PdfReader

import marac_app.models  # noqa: F401 - every table in the metadata
from marac_app.auth.models import Role
from marac_app.db import utcnow
from marac_app.demo import DEMO_USERS
from marac_app.extensions import db
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

DPO = next(person for person in DEMO_USERS if person.role is Role.DPO)
PERPETRATOR = "Demo Perpetrator-Two"
DISCLOSE = "Demo Perpetrator-Two was convicted of common assault in 2019."
REDACT = "Demo Perpetrator-Two was arrested at the home of Demo Victim-Two on 3 March."
WITHHOLD = "Police intelligence: he has been seen near the refuge twice this month."
NOT_HIS = "She is frightened he will come back when bail ends."
# The victim's own details in the demo data (marac_app/referrals/demo.py), her view, and
# what the review takes out. The review page shows the passages as they are (the DPO must
# read them), but never her details or her view.
VICTIMS_OWN = ("Demo Street", "07700 900000", "White British", "Safe to call", "frightened")
REVIEWED_OUT = ("Demo Victim-Two", "refuge", "at the home of")
CASE = r"CAM-\d{4}-0002"


def _record_entries(database_url: str) -> None:
    """Minute entries on CAM-2026-0002, as agencies would have shared them at the meeting."""
    tables = db.metadata.tables
    case, item, agency, entry = (
        tables["marac_case"],
        tables["agenda_item"],
        tables["agency"],
        tables["minute_entry"],
    )
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            case_id = connection.scalar(
                sa.select(case.c.id).where(case.c.reference.like("CAM-%-0002"))
            )
            item_id = connection.scalar(sa.select(item.c.id).where(item.c.case_id == case_id))
            police = connection.scalar(
                sa.select(agency.c.id).where(agency.c.name == "Fenshire Constabulary (demo)")
            )
            assert case_id and item_id and police, "the demo data must hear CAM-2026-0002"
            if connection.scalar(
                sa.select(entry.c.id).where(entry.c.text_html == f"<p>{DISCLOSE}</p>")
            ):
                return
            now = utcnow()
            for subject, kind, text in (
                ("perpetrator", "fact", DISCLOSE),
                ("perpetrator", "fact", REDACT),
                ("perpetrator", "professional_opinion", WITHHOLD),
                ("perpetrator", "victims_view", NOT_HIS),
            ):
                connection.execute(
                    entry.insert().values(
                        agenda_item_id=item_id,
                        subject=subject,
                        kind=kind,
                        source_agency_id=police,
                        text_html=f"<p>{text}</p>",
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                )
    finally:
        engine.dispose()


def _card(page: Page, text: str):  # noqa: ANN202 - a Playwright locator
    return page.locator(".govuk-summary-card").filter(has_text=text)


def _save(card) -> None:  # noqa: ANN001
    card.get_by_role("button", name=re.compile(r"^Save the decision on passage")).click()


def test_dpo_answers_a_perpetrators_access_request_passage_by_passage(
    page: Page, live_server: str, browser_database_url: str, csp_errors: list[str]
) -> None:
    _record_entries(browser_database_url)
    sign_in(page, live_server, DPO)

    # Log the request.
    page.goto("/privacy/requests/new")
    received = (utcnow() - timedelta(days=3)).date()
    page.get_by_label("Name of the person, as given").fill(PERPETRATOR)
    page.get_by_label("Access (a copy of their data)").check()
    page.locator('[name="received_on-day"]').fill(str(received.day))
    page.locator('[name="received_on-month"]').fill(str(received.month))
    page.locator('[name="received_on-year"]').fill(str(received.year))
    page.get_by_role("button", name="Log request").click()

    # Found in his role; nothing attached until the DPO confirms.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Choose the records that are about this person"
    )
    match = page.get_by_label(re.compile(rf"{CASE} \(Cambridge\): Alleged perpetrator"))
    expect(match).to_be_visible()
    expect(page.get_by_text("Victim", exact=True)).to_have_count(0)
    assert_accessible(page, "the records found for the request")
    screenshot(page, "dpo-matches")
    page.get_by_role("button", name="Attach the selected records").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Select the records that are about the person making the request"
    )
    assert_accessible(page, "the records found, with an error")
    match.check()
    page.get_by_role("button", name="Attach the selected records").click()

    # The request: the case attached with his role, review needed.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access")
    expect(page.locator("main")).to_contain_text("The requester in this case: alleged perpetrator")
    expect(page.get_by_text("Review needed")).to_be_visible()
    assert_accessible(page, "the request with its case attached")
    page.get_by_role("link", name=re.compile(r"^Review the passages before release")).click()

    # The review page: his details only, one card per passage, export not yet offered.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(rf"^Review case {CASE} before release$")
    )
    main = page.locator("main")
    expect(main).to_contain_text("Alleged perpetrator")
    for own in VICTIMS_OWN:
        expect(main).not_to_contain_text(own)
    expect(page.locator(".govuk-summary-card")).to_have_count(3)
    expect(page.locator("#exports")).to_contain_text("once every passage has a decision")
    assert_accessible(page, "the review page")
    screenshot(page, "dpo-review")

    card = _card(page, DISCLOSE)
    card.get_by_label("Disclose it as it is").check()
    _save(card)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision saved")

    card = _card(page, "was arrested")
    card.get_by_label("Redact some words").check()
    card.get_by_label(re.compile("the words or phrases to redact")).fill("Demo Victim-Nine")
    _save(card)
    expect(page.get_by_role("alert")).to_contain_text("The passage does not contain")
    assert_accessible(page, "the review page with an error")
    card = _card(page, "was arrested")
    card.get_by_label("Redact some words").check()
    card.get_by_label(re.compile("the words or phrases to redact")).fill(
        "Demo Victim-Two\nat the home of"
    )
    _save(card)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision saved")

    card = _card(page, "near the refuge")
    card.get_by_label("Withhold it under an exemption").check()
    _save(card)
    expect(page.get_by_role("alert")).to_contain_text("Select the exemption you are relying on")
    card = _card(page, "near the refuge")
    card.get_by_label("Withhold it under an exemption").check()
    card.get_by_label(re.compile(r"Prevention or detection of crime")).check()
    _save(card)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision saved")
    expect(page.locator("#progress")).to_have_text("3 of 3")
    expect(_card(page, "near the refuge").locator(".govuk-tag")).to_have_text("Withhold")
    assert_accessible(page, "the fully reviewed page")
    screenshot(page, "dpo-reviewed")

    # Export: the reviewed copy, with none of the victim's data.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download the copy as PDF")).click()
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download the copy as JSON")).click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    assert data["requester"] == {"name": PERPETRATOR, "role": "Alleged perpetrator"}
    assert [p["text"] for p in data["passages"]] == [
        DISCLOSE,
        "Demo Perpetrator-Two was arrested [redacted] [redacted] on 3 March.",
    ]
    assert data["withheld"][0]["exemption"].startswith("Prevention or detection of crime")
    for copy in (text, pdf_text):
        assert DISCLOSE in copy and "[redacted]" in copy
        for own in (*VICTIMS_OWN, *REVIEWED_OUT):
            assert own not in copy, own
    assert "Information withheld" in pdf_text and "Prevention or detection of crime" in pdf_text
    assert_no_csp_errors(csp_errors)
