"""Audit review pages: search, who has viewed a case, CSV export — admins and the DPO only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.audit import AuditEvent, Outcome
from marac_app.audit_review.services import PAGE_SIZE
from marac_app.audit_review.views import SEARCH_FIELDS
from marac_app.auth.models import Role
from marac_app.extensions import db


def events_with(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP])
def test_other_roles_are_refused(client, auth, make_user, role: Role) -> None:
    auth.sign_in_as(make_user(role))
    for path in ("/audit/", "/audit/case-views", "/audit/export.csv"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DPO])
def test_admins_and_the_dpo_can_search(client, auth, make_user, role: Role) -> None:
    auth.sign_in_as(make_user(role))
    response = client.get("/audit/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Audit trail</h1>' in page
    assert "sign_in" in page  # their own sign-in is in the trail
    home = client.get("/").get_data(as_text=True)
    assert "/audit/case-views" in home and 'href="/audit/"' in home


def test_search_by_person_shows_name_and_role_newest_first(
    app: Flask, client, auth, make_user, add_event, reviewer
) -> None:
    rep = make_user(Role.AGENCY_REP, name="Rita Representative", email="rita@agency.example")
    add_event("user_viewed", actor=rep, object_type="user", object_id=1)
    add_event("agency_viewed", actor=rep, object_type="agency", object_id=2)
    add_event("user_viewed", object_type="user", object_id=3)  # someone else
    auth.sign_in_as(reviewer)
    for actor in ("RITA@agency.example", str(rep.id)):
        page = client.get("/audit/", query_string={"actor": actor}).get_data(as_text=True)
        assert "Rita Representative" in page and "Agency representative" in page
        assert page.index("agency_viewed") < page.index("user_viewed")
        assert "user 3" not in page and "user 1" in page


def test_search_by_case_reference_finds_both_case_object_types(
    app: Flask, client, auth, reviewer, make_case, add_event
) -> None:
    case = make_case(reference="AUD-2026-0777")
    other = make_case()
    add_event("case_viewed", object_type="marac_case", object_id=case.id, detail="first-type")
    add_event("case_printed", object_type="case", object_id=case.id, detail="second-type")
    add_event("case_viewed", object_type="marac_case", object_id=other.id, detail="other-case")
    auth.sign_in_as(reviewer)
    page = client.get("/audit/", query_string={"case_reference": "aud-2026-0777"}).get_data(
        as_text=True
    )
    assert "first-type" in page and "second-type" in page and "other-case" not in page


def test_filters_by_object_action_outcome_and_date(
    app: Flask, client, auth, reviewer, add_event
) -> None:
    add_event("area_updated", object_type="marac_area", object_id=41, detail="wanted")
    add_event("area_updated", object_type="marac_area", object_id=42, detail="other-object")
    add_event(
        "access_denied",
        object_type="marac_area",
        object_id=41,
        outcome=Outcome.DENIED,
        detail="refused-one",
    )
    auth.sign_in_as(reviewer)
    page = client.get(
        "/audit/",
        query_string={"object_type": "marac_area", "object_id": "41", "action": "area_updated"},
    ).get_data(as_text=True)
    assert "wanted" in page and "other-object" not in page and "refused-one" not in page
    page = client.get(
        "/audit/", query_string={"outcome": "denied", "object_type": "marac_area"}
    ).get_data(as_text=True)
    assert "refused-one" in page and "wanted" not in page
    tomorrow = datetime.now(UTC) + timedelta(days=2)
    page = client.get(
        "/audit/",
        query_string={
            "object_type": "marac_area",
            "from_date-day": "1",
            "from_date-month": "1",
            "from_date-year": "2000",
        },
    ).get_data(as_text=True)
    assert "wanted" in page
    page = client.get(
        "/audit/",
        query_string={
            "object_type": "marac_area",
            "from_date-day": str(tomorrow.day),
            "from_date-month": str(tomorrow.month),
            "from_date-year": str(tomorrow.year),
        },
    ).get_data(as_text=True)
    assert "wanted" not in page and "No events match your search" in page


def test_pages_are_limited_and_link_to_older_events(
    app: Flask, client, auth, reviewer, add_event
) -> None:
    for n in range(PAGE_SIZE + 5):
        add_event("page_probe", object_type="thing", object_id=n)
    auth.sign_in_as(reviewer)
    first = client.get("/audit/", query_string={"action": "page_probe"}).get_data(as_text=True)
    assert first.count('<td class="govuk-table__cell">page_probe</td>') == PAGE_SIZE
    assert "Older events" in first
    href = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(href).get_data(as_text=True)
    assert second.count('<td class="govuk-table__cell">page_probe</td>') == 5
    assert "Older events" not in second and "Newest events" in second


def test_every_search_is_audited_with_filter_names_only(
    app: Flask, client, auth, reviewer, make_user
) -> None:
    target = make_user(Role.AGENCY_REP, email="private.person@agency.example")
    auth.sign_in_as(reviewer)
    client.get("/audit/", query_string={"actor": target.email, "action": "user_viewed"})
    searches = events_with(app, "audit_searched")
    assert searches and searches[-1].actor_id == reviewer.id
    detail = searches[-1].detail or ""
    assert "person" in detail and "action" in detail
    assert "private.person" not in detail and "user_viewed" not in detail
    assert str(target.id) not in detail.replace("rows=", "")


@pytest.mark.parametrize(
    "query, message",
    [
        (
            {"from_date-day": "31", "from_date-month": "2", "from_date-year": "2026"},
            "Date from must be a real date",
        ),
        (
            {"to_date-day": "x", "to_date-month": "1", "to_date-year": "2026"},
            "Date to must be a real date",
        ),
        ({"from_date-day": "1", "from_date-year": "2026"}, "Date from must include a month"),
        (
            {
                "from_date-day": "2",
                "from_date-month": "1",
                "from_date-year": "2026",
                "to_date-day": "1",
                "to_date-month": "1",
                "to_date-year": "2026",
            },
            "Date to must be the same as or after date from",
        ),
        ({"case_reference": "nope"}, "Enter a case reference like CAM-2026-0042"),
        ({"case_reference": "ZZZ-1999-0001"}, "There is no case with that reference"),
        ({"actor": "nobody@nowhere.example"}, "There is no user with that email address"),
        ({"actor": "Bob"}, "Enter the person&#39;s email address or user id"),
        ({"outcome": "maybe"}, "Select an outcome from the list"),
        ({"action": "Drop Table"}, "Action must only include lower-case letters"),
    ],
)
def test_bad_filters_are_400_with_a_govuk_error(client, auth, reviewer, query, message) -> None:
    auth.sign_in_as(reviewer)
    response = client.get("/audit/", query_string=query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    for value in query.values():  # the user's text is shown again
        assert f'value="{value}"' in page or f'value="{value}" selected' in page or value == "maybe"


INJECTIONS = [
    "' OR 1=1 --",
    "1 OR 1=1",
    "'; DROP TABLE audit_event; --",
    '" OR ""="',
    "1' UNION SELECT * FROM user_account --",
    "%' OR '%'='",
    "admin'--",
    "1; SELECT pg_sleep(5)",
]
FILTERS = [*SEARCH_FIELDS, "before"]  # every search box, and the page


@pytest.mark.parametrize("name", FILTERS)
def test_sql_injection_in_every_filter_is_harmless(
    app: Flask, client, auth, reviewer, add_event, name: str
) -> None:
    add_event("injection_probe", object_type="thing", object_id="1")
    auth.sign_in_as(reviewer)
    for value in INJECTIONS:
        for path in ("/audit/", "/audit/export.csv"):
            response = client.get(path, query_string={"action": "nothing_matches", name: value})
            assert response.status_code in (200, 400), (name, value, path)
            assert b"injection_probe" not in response.data, (name, value)
        response = client.get("/audit/case-views", query_string={"reference": value})
        assert response.status_code in (200, 400)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) > 0


def test_case_views_groups_reads_by_person(
    app: Flask, client, auth, dpo, make_user, make_case, add_event
) -> None:
    case = make_case(reference="AUD-2026-0901")
    coordinator = make_user(Role.COORDINATOR, name="Cora Coordinator")
    rep = make_user(Role.AGENCY_REP, name="Ravi Rep")
    stranger = make_user(Role.AGENCY_REP, name="Stan Stranger")
    for _ in range(3):
        add_event("case_viewed", actor=coordinator, object_type="marac_case", object_id=case.id)
    add_event("referral_viewed", actor=rep, object_type="case", object_id=case.id)
    add_event("case_updated", actor=stranger, object_type="marac_case", object_id=case.id)
    add_event(
        "access_denied",
        actor=stranger,
        object_type="marac_case",
        object_id=case.id,
        outcome=Outcome.DENIED,
    )
    auth.sign_in_as(dpo)
    assert client.get("/audit/case-views").status_code == 200
    response = client.get("/audit/case-views", query_string={"reference": case.reference})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Cora Coordinator" in page and "Ravi Rep" in page and "Stan Stranger" not in page
    assert "MARAC coordinator" in page
    row = page.split("Cora Coordinator", 1)[1].split("</tr>", 1)[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in row
    assert page.index("Ravi Rep") < page.index("Cora Coordinator")  # most recent viewer first
    reviews = events_with(app, "case_access_reviewed")
    assert reviews[-1].object_id == str(case.id) and reviews[-1].actor_id == dpo.id


def test_case_views_says_when_nobody_has_looked(client, auth, reviewer, make_case) -> None:
    case = make_case()
    auth.sign_in_as(reviewer)
    page = client.get("/audit/case-views", query_string={"reference": case.reference})
    assert f"Nobody has viewed {case.reference}" in page.get_data(as_text=True)
    bad = client.get("/audit/case-views", query_string={"reference": ""})
    assert bad.status_code == 400 and "Enter a case reference" in bad.get_data(as_text=True)


def test_csv_export_is_audited_and_injection_safe(
    app: Flask, client, auth, reviewer, make_user, add_event
) -> None:
    evil = make_user(
        Role.AGENCY_REP, name='=HYPERLINK("http://x.example")', email="evil@agency.example"
    )
    add_event("csv_probe", actor=evil, object_type="thing", object_id="-1+2", detail="@SUM(A1:A2)")
    auth.sign_in_as(reviewer)
    response = client.get("/audit/export.csv", query_string={"action": "csv_probe"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows names as typed
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "Event id" and len(rows) == 2
    cells = rows[1]
    assert '\'=HYPERLINK("http://x.example")' in cells
    assert "'-1+2" in cells and "'@SUM(A1:A2)" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    exports = events_with(app, "audit_exported")
    assert exports[-1].actor_id == reviewer.id
    assert exports[-1].detail == "filters: action; rows=1"


def test_csv_export_keeps_names_in_any_script(
    app: Flask, client, auth, reviewer, make_user, add_event
) -> None:
    polish = make_user(Role.AGENCY_REP, name="Łukasz Żółć-Nguyễn", email="lz@agency.example")
    add_event("csv_script_probe", actor=polish, object_type="thing", object_id="1")
    auth.sign_in_as(reviewer)
    raw = client.get("/audit/export.csv", query_string={"action": "csv_script_probe"}).get_data()
    assert "Łukasz Żółć-Nguyễn" in raw.decode("utf-8-sig")
