"""Every page about a meeting or a case names it in its title (issue 16: 41 titles were shared
by different meetings' pages, so browser tabs, history and screen readers could not tell them
apart). A crawl of every GET route that takes only a meeting id, or only a case id, as the
area's coordinator and chair: two meetings' (two cases') pages never share a title."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask

from marac_app.auth.models import Role
from marac_app.db import utcnow
from marac_app.extensions import db
from tests.conftest import Auth
from tests.fixtures import listed_case

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _routes(app: Flask, argument: str) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and set(rule.arguments) == {argument}
    )


def _title(html: str) -> str:
    found = TITLE.search(html)
    assert found, "a page without a title"
    return " ".join(found.group(1).split())


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CHAIR])
def test_two_meetings_or_two_cases_never_share_a_page_title(
    app: Flask, auth: Auth, client, make_area, make_agency, sign_up, make_user, make_meeting, role
) -> None:
    area = make_area(name="Titles Area")
    agency = make_agency(name="Titles Police", areas=[area])
    sign_up(agency)
    person = make_user(role, area=area)
    rep = make_user(Role.AGENCY_REP, agency=agency)
    first = make_meeting(area, utcnow() + timedelta(days=3), invite=[rep], chair=person)
    second = make_meeting(area, utcnow() + timedelta(days=31), invite=[rep], chair=person)
    with app.app_context():
        one, _ = listed_case(area.id, agency.id, first.id, 1, "Tia Title", prefix="TTL")
        two, _ = listed_case(area.id, agency.id, second.id, 1, "Uma Title", prefix="TTL")
        db.session.commit()
        cases = (one.id, one.reference), (two.id, two.reference)
    auth.sign_in_as(person)
    shared, seen = [], 0
    for argument, objects in (
        ("meeting_id", [(first.id, None), (second.id, None)]),
        ("case_id", list(cases)),
    ):
        for rule in _routes(app, argument):
            titles = []
            for object_id, reference in objects:
                page = client.get(rule.replace(f"<int:{argument}>", str(object_id)))
                if page.status_code != 200 or page.mimetype != "text/html":
                    break
                title = _title(page.get_data(as_text=True))
                if reference is not None:
                    assert reference in title, (rule, title)
                titles.append(title)
            if len(titles) == 2:
                seen += 1
                if titles[0] == titles[1]:
                    shared.append(f"{rule}: {titles[0]}")
    assert seen >= 8, f"only {seen} pages were crawled"
    assert not shared, "pages of two meetings or cases with one title:\n" + "\n".join(shared)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]


def test_no_meeting_or_case_page_repeats_an_id(
    app: Flask, auth: Auth, client, make_area, make_agency, sign_up, make_user, make_meeting
) -> None:
    """Issue 16: the full minutes page repeated ids (one per case), which breaks labels, skip
    links and aria references. Every meeting and case page, with two cases minuted."""
    from marac_app.minutes import services as minutes
    from tests.fixtures import open_confidentiality_gate

    area = make_area(name="Ids Area")
    agency = make_agency(name="Ids Police", areas=[area])
    sign_up(agency)
    chair = make_user(Role.CHAIR, area=area)
    rep = make_user(Role.AGENCY_REP, agency=agency)
    meeting = make_meeting(area, utcnow() - timedelta(hours=1), invite=[rep], chair=chair, hours=3)
    with app.app_context():
        items = [
            listed_case(area.id, agency.id, meeting.id, n, name, prefix="IDS")[1]
            for n, name in ((1, "Vi Ids"), (2, "Wyn Ids"))
        ]
        open_confidentiality_gate(db.session.merge(meeting), chair.id, rep.id)
        for item in items:
            item = db.session.merge(item)
            for kind in ("fact", "professional_opinion"):
                minutes.add_entry(
                    item,
                    subject="victim",
                    kind=kind,
                    source_agency=db.session.merge(agency),
                    text=f"<p>{kind} about case {item.position}.</p>",
                    actor=db.session.merge(chair),
                )
        db.session.commit()
        case_ids = [item.case_id for item in items]
    auth.sign_in_as(chair)
    repeated = []
    pages = [r.replace("<int:meeting_id>", str(meeting.id)) for r in _routes(app, "meeting_id")]
    pages += [r.replace("<int:case_id>", str(case_ids[0])) for r in _routes(app, "case_id")]
    crawled = 0
    for path in pages:
        page = client.get(path)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        crawled += 1
        parser = _Ids()
        parser.feed(page.get_data(as_text=True))
        twice = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
        if twice:
            repeated.append(f"{path}: {twice}")
    assert crawled >= 8
    assert not repeated, "ids used more than once:\n" + "\n".join(repeated)
