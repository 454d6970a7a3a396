"""Ids beyond the database's range and control characters: a clear 404 or 400, never a 500,
nothing saved (issue 11 §3, "Medium" and "Low").

- Every route with an ``<int:…>`` variable answers 404 for 2**31, 2**63 and a 400-digit number,
  as every role, GET and POST (the app's one id converter, marac_app/common/ids.py). Run on
  PostgreSQL too, where such an id used to be "integer out of range".
- Ids in forms (selects, checkboxes, hidden fields) and query strings: never a 500.
- Control characters: NUL and CR/LF in every single-line field of every form the crawl finds,
  and NUL in every multi-line one, answer 400 with the field's message and save nothing
  (the one input cleaning, marac_app/common/forms.py).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
import sqlalchemy as sa
import wtforms
from flask import Flask
from werkzeug.routing import Rule

import marac_app
from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import User
from marac_app.common.forms import MaracForm, MaracSubForm, has_control_characters
from marac_app.common.ids import MAX_ID, parse_id
from marac_app.extensions import db
from tests.conftest import Auth
from tests.security.conftest import (
    ROLES,
    VARIABLE_RE,
    FormSpec,
    Prober,
    SecurityWorld,
    crawl_forms,
    fill,
    post_forms,
    row_counts,
)
from tests.security.test_gate_and_matrix import ALLOWED, Probers, methods, probers  # noqa: F401

HUGE = (2**31, 2**63, int("9" * 400))
SINGLE_LINE_MESSAGE = "must not contain line breaks or control characters"
MULTI_LINE_MESSAGE = "must not contain control characters"
SINGLE_LINE_KINDS = frozenset({"text", "email", "search", "tel", "url", "password", "number"})


def int_variables(rule: Rule) -> list[str]:
    return [m.group("name") for m in VARIABLE_RE.finditer(rule.rule) if m.group("conv") == "int"]


# --- The id converter ------------------------------------------------------------------


def test_parse_id_accepts_only_database_ids() -> None:
    assert [parse_id(v) for v in ("1", " 42 ", str(MAX_ID), 7)] == [1, 42, MAX_ID, 7]
    for bad in (
        "0",
        "-1",
        str(MAX_ID + 1),
        str(2**63),
        "9" * 400,
        "１２",
        "1e3",
        "",
        None,
        True,
        0,
        MAX_ID + 1,
        "12\x00",
    ):
        assert parse_id(bad) is None, bad


def test_every_int_route_answers_404_for_ids_beyond_the_database(
    app: Flask, sw: SecurityWorld, probers: Probers
) -> None:
    rules = [r for r in app.url_map.iter_rules() if int_variables(r)]
    assert len(rules) >= 50, len(rules)  # the walk found the app's object routes
    problems: list[str] = []
    for role in ROLES:
        prober, values = probers[role], sw.values("own", sw.user(role))
        for rule in sorted(rules, key=lambda r: r.rule):
            for name in int_variables(rule):
                for huge in HUGE:
                    path = fill(rule, {**values, name: huge})
                    for method in methods(rule):
                        answer = prober.request(method, path)
                        if answer.status != 404:
                            problems.append(
                                f"{method} {rule.rule} {name}={str(huge)[:12]}… as "
                                f"{role}: {answer.status} {answer.body[:120]}"
                            )
    assert not problems, "\n".join(problems[:40])


def test_ids_in_query_strings_beyond_the_database_are_harmless(
    sw: SecurityWorld, probers: Probers
) -> None:
    coordinator = probers["coordinator"]
    for huge in HUGE:
        for role, path, expected in (
            ("coordinator", f"/actions/new?case_id={huge}", 404),
            ("coordinator", f"/actions/cases/{sw.x.case_id}/new?agenda_item_id={huge}", 404),
            ("coordinator", f"/actions/?agency={huge}", 200),
            ("coordinator", f"/actions/?page={huge}", 200),
            ("coordinator", f"/cases/?page={huge}", 200),
            ("coordinator", f"/meetings/?page={huge}", 200),
            ("admin", f"/admin/users?page={huge}", 200),
            ("admin", f"/audit/?before={huge}", 200),
            ("dpo", f"/audit/?actor={huge}", 400),
        ):
            answer = probers[role].request("GET", path)
            assert answer.status == expected, (role, path[:60], answer.status, answer.body[:200])
    assert coordinator.request("GET", f"/actions/new?case_id={sw.x.case_id}").status == 200


def _counts_unchanged(db_transaction: sa.Connection, before: dict[str, int]) -> dict[str, Any]:
    after = row_counts(db_transaction)
    return {t: (before[t], after[t]) for t in before if before[t] != after[t]}


def _id_like(values: list[str]) -> bool:
    shown = [v for v in values if v]
    return bool(shown) and all(v.isdigit() for v in shown)


# --- Every form found by crawling: control characters and huge ids -----------------------


def test_every_form_refuses_control_characters_and_survives_huge_ids(
    app: Flask,
    sw: SecurityWorld,
    probers: Probers,
    db_transaction: sa.Connection,
) -> None:
    forms = crawl_forms(app, sw, probers, ALLOWED)
    assert len(forms) >= 25, sorted(forms)
    before = row_counts(db_transaction)
    problems: list[str] = []
    checked_fields = 0

    for action, (role, spec) in sorted(forms.items()):
        prober = probers[role]

        def post(
            field: str,
            value: str,
            expect: str | None,
            action: str = action,
            role: str = role,
            spec: FormSpec = spec,
            prober: Prober = prober,
        ) -> None:
            data = {**spec.baseline(), field: value}
            changed: dict[str, Any] = {}

            def inspect_rows(answer: Any) -> None:
                if 400 <= answer.status < 500:
                    changed.update(_counts_unchanged(db_transaction, before))

            answer = prober.request("POST", action, data, inspect=inspect_rows)
            where = f"{action} as {role}, {field}={value[:12]!r}"
            if answer.status >= 500:
                problems.append(f"{where}: {answer.status} {answer.body[:200]}")
            elif expect is not None and answer.status != 400:
                problems.append(f"{where}: expected 400, got {answer.status}")
            elif expect is not None and expect not in answer.body:
                problems.append(f"{where}: 400 without the message '{expect}'")
            if changed:
                problems.append(f"{where}: {answer.status} but rows {changed}")

        for name, kind in sorted(spec.kinds.items()):
            if name == "csrf_token":
                continue
            if kind in SINGLE_LINE_KINDS:
                checked_fields += 1
                post(name, "Sample\x00text", SINGLE_LINE_MESSAGE)
                post(name, "Sample\r\nSecond line", SINGLE_LINE_MESSAGE)
            elif kind == "textarea":
                checked_fields += 1
                post(name, "Sample\x00text", MULTI_LINE_MESSAGE)
            if _id_like(spec.fields.get(name, [])) or name.endswith("_id"):
                for huge in HUGE:
                    post(name, str(huge), None)
    assert checked_fields >= 40, checked_fields
    assert not problems, "\n".join(sorted(set(problems))[:60])


# --- Admin forms, explicitly (the fields the attack run used) -----------------------------


def _form(auth: Auth, path: str) -> FormSpec:
    response = auth.client.get(path)
    assert response.status_code == 200, path
    return next(
        f
        for f in post_forms(path, response.get_data(as_text=True))
        if f.action.split("?")[0] == path
    )


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize("bad", ["Nadia\x00Name", "Nadia\r\nName", "Nadia\nName", "Nadia\u2028"])
def test_admin_forms_refuse_control_characters_in_every_single_line_field(
    app: Flask, auth: Auth, make_user, make_area, make_agency, bad: str
) -> None:
    from marac_app.auth.models import Role

    area = make_area()
    agency = make_agency(areas=[area])
    admin = make_user(Role.ADMIN)
    user = make_user(Role.AGENCY_REP, agency=agency)
    auth.sign_in_as(admin)
    valid = {
        "/admin/users/new": {
            "email": "new.person@example.org",
            "name": "New Person",
            "job_title": "Officer",
            "role": "agency_rep",
            "agency": str(agency.id),
            "area": "",
        },
        f"/admin/users/{user.id}": None,  # the page's own values
        "/admin/agencies/new": {
            "name": "New agency",
            "kind": "police",
            "areas": str(area.id),
            "active": "y",
        },
        f"/admin/agencies/{agency.id}": None,
        "/admin/areas/new": {"name": "New area", "code": "NEWA", "active": "y"},
        f"/admin/areas/{area.id}": None,
    }
    for path, data in valid.items():
        spec = _form(auth, path)
        base = data if data is not None else spec.baseline()
        single_line = [
            n for n, k in spec.kinds.items() if k in SINGLE_LINE_KINDS and n != "csrf_token"
        ]
        assert single_line, path
        for field in single_line:
            counts = {m: _count(app, m) for m in (User, Agency, MaracArea)}
            response = auth.post(path, {**base, field: bad})
            body = response.get_data(as_text=True)
            assert response.status_code == 400, (path, field, response.status_code)
            assert SINGLE_LINE_MESSAGE in body, (path, field)
            assert {m: _count(app, m) for m in counts} == counts
    with app.app_context():  # nothing of the refused values was saved anywhere
        names = (
            list(db.session.scalars(sa.select(User.name)))
            + list(db.session.scalars(sa.select(Agency.name)))
            + list(db.session.scalars(sa.select(MaracArea.name)))
        )
        assert not any(has_control_characters(n) for n in names)


def test_admin_forms_refuse_ids_beyond_the_database(
    app: Flask, auth: Auth, make_user, make_area, make_agency
) -> None:
    from marac_app.auth.models import Role

    area = make_area()
    agency = make_agency(areas=[area])
    auth.sign_in_as(make_user(Role.ADMIN))
    for huge in HUGE:
        response = auth.post(
            "/admin/agencies/new",
            {
                "name": f"Agency {str(huge)[:5]}",
                "kind": "police",
                "areas": [str(area.id), str(huge)],
            },
        )
        assert response.status_code == 400
        assert "Select one of the options shown for MARAC areas" in response.get_data(as_text=True)
        response = auth.post(
            f"/admin/agencies/{agency.id}",
            {"name": agency.name, "kind": "police", "areas": str(huge)},
        )
        assert response.status_code == 400
        response = auth.post(
            "/admin/users/new",
            {
                "email": "huge@example.org",
                "name": "Huge Id",
                "role": "agency_rep",
                "agency": str(huge),
                "area": str(huge),
            },
        )
        assert response.status_code == 400
        assert "Select one of the options shown for agency" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Agency).where(Agency.name.like("Agency %"))
            )
            == 0
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(User).where(User.email == "huge@example.org")
            )
            == 0
        )


# --- A person's name on the referral form, a meeting's venue -------------------------------


def test_line_breaks_in_a_persons_name_or_a_venue_are_refused(
    app: Flask,
    sw: SecurityWorld,
    probers: Probers,
    db_transaction: sa.Connection,
) -> None:
    coordinator = probers["coordinator"]
    before = row_counts(db_transaction)
    pages = {
        "/cases/new": ("victim_name", "perpetrators-0-full_name"),
        "/meetings/new": ("venue",),
        f"/meetings/{sw.x.meeting.id}/edit": ("venue",),
    }
    for page, fields in pages.items():
        answer = coordinator.request("GET", page)
        assert answer.status == 200, page
        spec = next(f for f in post_forms(page, answer.body) if f.action == page)
        for field in fields:
            assert field in spec.fields, (page, field, sorted(spec.fields))
            for bad in ("Valerie\r\nVictimson", "Valerie\nVictimson", "Room\r1"):
                refused = coordinator.request("POST", page, {**spec.baseline(), field: bad})
                assert refused.status == 400, (page, field, refused.status)
                assert SINGLE_LINE_MESSAGE in refused.body, (page, field)
                assert _counts_unchanged(db_transaction, before) == {}


def test_multi_line_fields_keep_line_breaks(
    app: Flask, sw: SecurityWorld, probers: Probers
) -> None:
    coordinator = probers["coordinator"]
    page = f"/actions/cases/{sw.x.case_id}/new"
    answer = coordinator.request("GET", page)
    spec = next(f for f in post_forms(page, answer.body) if f.action.startswith(page))
    from marac_app.common.time import london_today as today

    due = today().replace(year=today().year + 1)
    data = {
        **spec.baseline(),
        "owner_agency": str(sw.x.agency.id),
        "priority": "high",
        "description": "Fit a door lock.\r\nThen check the window.\tToday.",
        "due_date-day": str(due.day),
        "due_date-month": str(due.month),
        "due_date-year": str(due.year),
    }
    saved = coordinator.request("POST", spec.action, data)
    assert saved.status == 302, saved.body[:1000]
    refused = coordinator.request("POST", spec.action, {**data, "description": "Fit\x00lock"})
    assert refused.status == 400 and "What is the action" in refused.body
    assert MULTI_LINE_MESSAGE in refused.body


def test_query_string_and_sign_in_control_characters_never_500(
    app: Flask, sw: SecurityWorld, probers: Probers
) -> None:
    for role, path in (
        ("coordinator", "/cases/?q=Val%00erie"),
        ("admin", "/admin/users?q=%00"),
        ("coordinator", "/actions/?case=%00"),
        ("dpo", "/audit/?actor=%00"),
        ("dpo", "/audit/?object_id=a%0Db"),
        ("coordinator", "/jobs/ab%00c"),
        ("coordinator", "/meetings/outbox/a%00b.eml"),
    ):
        answer = probers[role].request("GET", path)
        assert answer.status == 400, (role, path, answer.status, answer.body[:300])
        assert "contains a character that cannot be used" in answer.body, path
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": "a\x00@example.org", "password": "x\r\ny"}
    )
    assert response.status_code == 400 or (
        response.status_code == 200 and SINGLE_LINE_MESSAGE in response.get_data(True)
    )


# --- Every form uses the one base ----------------------------------------------------------


def _app_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(marac_app.__path__, "marac_app."):
        if module.name.rsplit(".", 1)[-1] in ("forms", "views"):
            importlib.import_module(module.name)
    found, todo = [], [wtforms.Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("marac_app."):
                found.append(sub)
    return found


def test_every_form_class_uses_the_cleaning_base() -> None:
    classes = _app_form_classes()
    assert len(classes) >= 40, len(classes)
    strays = [
        f"{c.__module__}.{c.__qualname__}"
        for c in classes
        if not issubclass(c, MaracForm | MaracSubForm) and c not in (MaracForm, MaracSubForm)
    ]
    assert not strays, f"forms not built on MaracForm/MaracSubForm: {strays}"
    assert all(inspect.isclass(c) for c in classes)
