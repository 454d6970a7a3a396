"""Everyone at the table, and after the meeting, in a real browser (issue 15): the coordinator
invites an IDVA who has no account to the next meeting; she sets her password from the emailed
link (read in the development outbox), signs in and sees the meeting. Then the police
representative posts progress on their agency's action, which stays open and shows the update,
then completes it; the coordinator's non-completion report for the steering group shows the
housing agency's overdue action (the police action, due next week, is not yet counted).
axe-core finds no violation on any page visited.

The meetings are built straight into the live server's database (a Cambridge meeting two weeks
ago with the police representative invited, one case and two actions agreed there: the
police's due next week, the housing association's five days overdue; and next month's
meeting), so the journey is the follow-through's alone and the demo's actions stay for the
other journeys.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    COORDINATOR,
    HOUSING,
    POLICE_REP,
    demo_meeting,
    on_server_database,
)
from tests.browser.test_sign_in_accessibility import (
    assert_accessible,
    assert_no_csp_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

NEWCOMER_NAME = "Ines Newcomer"
NEWCOMER_EMAIL = "ines.newcomer@idva.example"
NEWCOMER_PASSWORD = "harbour lantern meadow quill"
IDVA = "Fenshire IDVA Service (demo)"
PROGRESS = "Visited the address; waiting for the locksmith to fit the locks."
DONE = "Locks fitted and a door chain added on Tuesday."


def _build(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The meeting, its case and the two actions, and next month's meeting, through the real
    services on the live server's database; returns the actions' and the next meeting's ids."""
    import sqlalchemy as sa

    from marac_app.action_items.models import ActionItem
    from marac_app.agencies.models import Agency
    from marac_app.common.time import london_today
    from marac_app.db import utcnow
    from marac_app.extensions import db
    from marac_app.minutes import services
    from tests.fixtures import listed_case

    with on_server_database(database_url, monkeypatch):
        built = demo_meeting(
            utcnow() - timedelta(days=14),
            "Follow-through journey room (demo)",
            [POLICE_REP],
            present=POLICE_REP,
        )
        meeting, area, police, chair = built.meeting, built.area, built.police, built.chair
        housing = db.session.scalar(sa.select(Agency).where(Agency.name == HOUSING))
        _case, item = listed_case(area.id, police.id, meeting.id, 1, "Fern Followup", prefix="FTJ")
        db.session.flush()
        later = demo_meeting(
            utcnow() + timedelta(days=30), "Follow-through journey room, next month (demo)", []
        ).meeting
        ids = {"next_meeting": later.id}
        for name, agency, text in (
            ("police", police, "Fit additional locks and a door chain at the property."),
            ("housing", housing, "Offer a management move to another property."),
        ):
            action = services.agree_action(
                item,
                owner_agency=agency,
                description=text,
                due_date=london_today() + timedelta(days=7),
                priority="high",
                actor=chair,
            )
            ids[name] = action.id
        db.session.flush()
        # Agreed two weeks ago; the housing association's fell due five days ago.
        db.session.execute(
            sa.update(ActionItem)
            .where(ActionItem.id == ids["housing"])
            .values(due_date=london_today() - timedelta(days=5))
        )
        db.session.commit()
    return ids


def _emailed_set_password_path(factory: pytest.TempPathFactory, to: str) -> str:
    """The set-password link's path from the email the live server wrote to its outbox
    folder (development mail: one .eml per message), read with the standard parser."""
    for path in factory.getbasetemp().glob("live-server*/outbox/*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if str(message["To"]) == to and "password" in str(message["Subject"]):
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"/set-password/[\w-]+", body.get_content())
            assert found, "the set-password email has its link"
            return found.group(0)
    raise AssertionError(f"no set-password email to {to} in the live server's outbox")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_representative_posts_progress_then_completes_and_the_report_shows_the_overdue(
    page: Page,
    live_server: str,
    browser_database_url: str,
    csp_errors: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ids = _build(browser_database_url, monkeypatch)

    # The coordinator invites someone who has no account yet.
    sign_in(page, live_server, COORDINATOR)
    page.goto(f"/meetings/{ids['next_meeting']}/invitations")
    expect(page.get_by_role("heading", name="Invite someone without an account")).to_be_visible()
    assert_accessible(page, "the invitations page with the new-person form")
    page.get_by_label("Full name").fill(NEWCOMER_NAME)
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Create account and invite").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("correct format")
    expect(page.get_by_label("Full name")).to_have_value(NEWCOMER_NAME)
    assert_accessible(page, "the new-person form with an error")
    page.get_by_label("Email address").fill(NEWCOMER_EMAIL)
    page.get_by_label("Agency").select_option(label=IDVA)
    page.get_by_role("button", name="Create account and invite").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(NEWCOMER_NAME)
    link = _emailed_set_password_path(tmp_path_factory, NEWCOMER_EMAIL)
    _sign_out(page)

    page.goto(link)  # the email's host is the configured public one
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    assert_accessible(page, "the set-password page")
    page.get_by_label("New password", exact=True).fill(NEWCOMER_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEWCOMER_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.get_by_label("Email address", exact=True).fill(NEWCOMER_EMAIL)
    page.get_by_label("Password", exact=True).fill(NEWCOMER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {NEWCOMER_NAME}")
    expect(page.locator("main")).to_contain_text("next month")
    assert_accessible(page, "the newcomer's home page with her meeting")
    _sign_out(page)

    sign_in(page, live_server, POLICE_REP)
    page.goto(f"/actions/{ids['police']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action for")
    expect(page.locator("main")).to_contain_text("Fern Followup")  # the subject, by name
    assert_accessible(page, "the police action before any progress")
    page.get_by_role("button", name="Post progress").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "the progress form with an error")
    page.get_by_label("Progress update").fill(PROGRESS)
    page.get_by_role("button", name="Post progress").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("stays open")
    expect(page.locator("main")).to_contain_text("In progress.")
    expect(page.locator("main")).to_contain_text(PROGRESS)
    assert_accessible(page, "the action with its progress update")
    page.get_by_label("Completed", exact=True).check()
    page.get_by_label("Note", exact=True).fill(DONE)
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Completed")
    history = page.get_by_role("table").filter(has_text="Progress and status changes")
    expect(history).to_contain_text("Progress update")
    expect(history).to_contain_text(PROGRESS)
    assert_accessible(page, "the completed action with its history")
    _sign_out(page)

    sign_in(page, live_server, COORDINATOR)
    page.goto("/actions/non-completion")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Actions not completed on time, by agency"
    )
    assert_accessible(page, "the non-completion report form")
    page.get_by_role("button", name="Show the report").click()
    table = page.get_by_role("table").filter(has_text="By agency")
    housing = table.get_by_role("row").filter(has_text=HOUSING)
    expect(housing).to_be_visible()
    # After the agency: due in the period, on time, late, still open past due, not completed.
    some = re.compile(r"^\s*[1-9]\d*\s*$")
    expect(housing.locator("td").nth(0)).to_have_text(some)
    expect(housing.locator("td").nth(3)).to_have_text(some)
    assert_accessible(page, "the non-completion report")
    assert_no_csp_errors(csp_errors)
