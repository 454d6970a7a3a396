"""No N+1: each page runs the same number of SQL statements on small data and on ~6× more.

The data are small on purpose (tens of rows) so the suite stays fast: a page with a query
per row shows up as a count that grows between the two measurements.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.audit import record
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today as today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.minutes.models import EntryKind, MinuteEntry, Subject
from tests.performance.conftest import PerfWorld, add_case, count_queries

SMALL, LARGE = 2, 12


def grow(app: Flask, mw: PerfWorld, n: int) -> None:
    """Add ``n`` of everything the pages list: cases on the meeting (with people), minute
    entries and actions on the measured case, actions of the rep's agency (open, overdue and
    closed) agreed at an earlier meeting, upcoming meetings the rep is invited to, and audit
    events."""
    with app.app_context():
        meeting = db.session.get(Meeting, mw.meeting.id)
        earlier = Meeting(
            area_id=mw.area.id,
            starts_at=meeting.starts_at - timedelta(days=28),
            ends_at=meeting.starts_at - timedelta(days=27),
            venue="Room 1",
        )
        db.session.add(earlier)
        db.session.flush()
        # The rep was invited to the earlier meeting: its cases' police actions are theirs.
        db.session.add(Invitation(meeting_id=earlier.id, user_id=mw.rep.id, agency_id=mw.police.id))
        on = today()
        for i in range(n):
            case, item = add_case(
                mw.area.id, mw.police.id, meeting.id, 100 + i, f"Grown Victim {i}"
            )
            _, old_item = add_case(
                mw.area.id, mw.housing.id, earlier.id, 100 + i, f"Earlier Victim {i}"
            )
            for k, status in enumerate(ActionStatus):
                db.session.add(
                    ActionItem(
                        case_id=old_item.case_id,
                        agenda_item_id=old_item.id,
                        meeting_id=earlier.id,
                        owner_agency_id=(mw.police if k % 2 == 0 else mw.housing).id,
                        owner_user_id=mw.rep.id if k % 2 == 0 else None,
                        description=f"Grown action {i}/{k}",
                        due_date=on + timedelta(days=(-3 if k < 2 else 10) + i),
                        status=status,
                        created_by_id=mw.chair.id,
                    )
                )
            db.session.add(
                MinuteEntry(
                    agenda_item_id=mw.item.id,
                    subject=list(Subject)[i % 4],
                    kind=list(EntryKind)[i % 3],
                    source_agency_id=mw.police.id,
                    text_html=f"<p>Grown entry {i}</p>",
                    author_id=mw.chair.id,
                )
            )
            db.session.add(
                MinuteEntry(
                    agenda_item_id=item.id,
                    subject=Subject.VICTIM,
                    kind=EntryKind.FACT,
                    source_agency_id=mw.housing.id,
                    text_html="<p>Other case</p>",
                    author_id=mw.coordinator.id,
                )
            )
            db.session.add(
                ActionItem(
                    case_id=mw.case.id,
                    agenda_item_id=mw.item.id,
                    meeting_id=meeting.id,
                    owner_agency_id=(mw.police if i % 2 else mw.housing).id,
                    description=f"Case action {i}",
                    due_date=on + timedelta(days=7 + i),
                    created_by_id=mw.chair.id,
                )
            )
            upcoming = Meeting(
                area_id=mw.area.id,
                starts_at=utcnow() + timedelta(days=7 * (i + 1)),
                ends_at=utcnow() + timedelta(days=7 * (i + 1), hours=2),
                venue="Room 2",
                chair_id=mw.chair.id,
            )
            db.session.add(upcoming)
            db.session.flush()
            db.session.add(
                Invitation(meeting_id=upcoming.id, user_id=mw.rep.id, agency_id=mw.police.id)
            )
            for _ in range(5):
                record(
                    "bench_event",
                    actor=db.session.get(User, mw.rep.id),
                    object_type="case",
                    object_id=case.id,
                )
        db.session.commit()


def _pages(mw: PerfWorld) -> dict[str, tuple[str, str]]:
    return {
        "run_meeting": ("chair", f"/meetings/{mw.meeting.id}/run"),
        "meeting_minutes": ("chair", f"/minutes/meetings/{mw.meeting.id}"),
        "case_minutes": ("chair", mw.case_url()),
        "actions_rep": ("rep", "/actions/"),
        "rep_home": ("rep", "/"),
        "actions_coordinator": ("coordinator", "/actions/"),
        "actions_coordinator_overdue": ("coordinator", "/actions/?overdue=1&sort=due_desc"),
        "coordinator_home": ("coordinator", "/"),
        "audit_search": ("dpo", "/audit/"),
        "audit_search_filtered": ("dpo", "/audit/?action=bench_event"),
        "reports": ("coordinator", "/reports/"),
    }


PAGE_NAMES = [
    "run_meeting",
    "meeting_minutes",
    "case_minutes",
    "actions_rep",
    "rep_home",
    "actions_coordinator",
    "actions_coordinator_overdue",
    "coordinator_home",
    "audit_search",
    "audit_search_filtered",
    "reports",
]


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_query_count_does_not_grow_with_the_data(
    page: str, app: Flask, client, auth, perf: PerfWorld
) -> None:
    mw = perf
    who, path = _pages(mw)[page]
    users = {"chair": mw.chair, "coordinator": mw.coordinator, "rep": mw.rep, "dpo": mw.dpo}
    auth.sign_in_as(users[who])
    grow(app, mw, SMALL)
    client.get(path)  # warm-up: first-request work is not per-row work
    response, small = count_queries(client, path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    grow(app, mw, LARGE - SMALL)
    response, large = count_queries(client, path)
    assert response.status_code == 200
    assert len(large) <= len(small), (
        f"{page}: {len(small)} statements on small data, {len(large)} on {LARGE // SMALL}× "
        f"more:\n" + "\n".join(s.split("\n")[0][:160] for s in large)
    )


def test_the_grown_data_is_on_the_pages(app: Flask, client, auth, perf: PerfWorld) -> None:
    """The counts above are measured on pages that really list the grown rows."""
    mw = perf
    grow(app, mw, SMALL)
    auth.sign_in_as(mw.chair)
    meeting_page = client.get(f"/minutes/meetings/{mw.meeting.id}").get_data(as_text=True)
    assert meeting_page.count("PRF-2026-") >= 2 + SMALL
    case_page = client.get(mw.case_url()).get_data(as_text=True)
    assert "Grown entry 1" in case_page and "Case action 1" in case_page
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    actions = client.get("/actions/").get_data(as_text=True)
    assert "Grown action 1/0" in actions


def test_the_live_case_page_reads_no_invitation_per_invited_person(
    app: Flask, client, auth, perf: PerfWorld, make_agency, sign_up, make_user
) -> None:
    """The research returns panel checked each invited person one by one (their agency's
    area, sign-up and invitation: 149 statements on a meeting with 20 invited); it now finds
    them in one statement. What still grows is one sign-up read per invited agency in three
    places of the page (left for issue 17: a per-request memo of the current protocol)."""
    mw = perf
    auth.sign_in_as(mw.chair)
    client.get(mw.case_url())
    response, few = count_queries(client, mw.case_url())
    assert response.status_code == 200
    with app.app_context():
        for n in range(6):
            agency = make_agency(name=f"Invited agency {n}", areas=[mw.area])
            sign_up(agency)
            for _ in range(2):
                rep = make_user(Role.AGENCY_REP, agency=agency, area=mw.area)
                db.session.add(
                    Invitation(meeting_id=mw.meeting.id, user_id=rep.id, agency_id=agency.id)
                )
        db.session.commit()
    response, many = count_queries(client, mw.case_url())
    assert response.status_code == 200

    def per_person(statements: list[str]) -> int:
        return sum("FROM invitation" in s or "FROM agency_areas" in s for s in statements)

    assert per_person(many) <= per_person(few), "a statement per invited person"
    assert len(many) - len(few) <= 6 * 6, f"{len(few)} statements, then {len(many)}"
