"""One authorisation gate, and the route × role × {own agency, other agency, other area, same
agency in the other area} matrix.

Every URL rule with a variable naming an object (an int converter, or a name ending in ``_id``,
``token`` or ``public_id``) is requested, GET and POST (with a valid CSRF token and no other
data), by every role, with the objects of its own agency (area A, agency X), of another agency
of the same area (agency Y), of another area (B, agency Z) and of the same agency in the other
area (B, agency X: one agency serving two areas). Each request runs in a savepoint that is
rolled back, so no probe changes the world for the next one.

- The gate: any answer below 400 must have passed ``marac_app.permissions.mark_authorised`` for
  the value of every object variable of the route (``_fetch`` calls it). Every object route must
  be exercised through the gate by at least one role.
- The matrix: roles not allowed on a route get 403 or 404; allowed tenant-bound roles
  (coordinator, chair, representative) get 404 for another area's objects, representatives get
  404 for another agency's; nothing ever answers 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule

from marac_app.extensions import db
from tests.security.conftest import (
    RELATIONS,
    ROLES,
    Answer,
    Prober,
    SecurityWorld,
    fill,
    object_rules,
    object_variables,
)

ALL = frozenset(ROLES)
AREA = frozenset({"coordinator", "chair"})
CASE_READERS = AREA | {"rep"}

# Who may use each object route on the objects of their own agency/area.
ALLOWED: dict[str, frozenset[str]] = {
    "action_items.view": CASE_READERS,
    "action_items.update": frozenset({"coordinator", "rep"}),
    "action_items.new": AREA,
    "action_items.progress": frozenset({"coordinator", "rep"}),
    "action_items.chase_agency": frozenset({"coordinator"}),
    "action_items.points_of_contact": frozenset({"coordinator", "admin"}),
    "admin.agency_form": frozenset({"admin"}),
    "admin.area_form": frozenset({"admin"}),
    "admin.user_edit": frozenset({"admin"}),
    "admin.user_set_active": frozenset({"admin"}),
    "admin.user_reset_mfa": frozenset({"admin"}),
    "admin.user_send_link": frozenset({"admin"}),
    "attendance.acknowledge": CASE_READERS,
    "attendance.attendance": AREA,
    "attendance.acknowledge_on_behalf": frozenset({"chair"}),
    "attendance.observer_acknowledge_on_behalf": frozenset({"chair"}),
    "attendance.add_observer": AREA,
    "attendance.add_present": AREA,
    "attendance.record_invitee": AREA,
    "attendance.open_meeting": AREA,
    "attendance.run_meeting": AREA,
    "attendance.start_case": AREA,
    "attendance.case_heard": AREA,
    "attendance.defer_case": AREA,
    "attendance.mark_everyone_present": AREA,
    "attendance.acknowledge_several": frozenset({"chair"}),
    "attendance.case_target": frozenset({"coordinator"}),
    "coordination.triage": frozenset({"coordinator"}),
    "coordination.case_page": AREA,  # a heard case redirects to its live case page
    "coordination.add_action": AREA,
    "coordination.sign_off": frozenset({"chair"}),
    "distribution.copies": AREA,
    "distribution.recipients": frozenset({"coordinator"}),
    "distribution.download": CASE_READERS,
    "distribution.action_extract": CASE_READERS,
    "jobs.status_page": ALL,
    "jobs.status_json": ALL,
    "meetings.view": CASE_READERS,
    "meetings.calendar": CASE_READERS,
    "meetings.cancel": frozenset({"coordinator"}),
    "meetings.edit": frozenset({"coordinator"}),
    "meetings.invite": frozenset({"coordinator"}),
    "meetings.invite_new_person": frozenset({"coordinator"}),
    "meetings.remove_invitation": frozenset({"coordinator"}),
    "meetings.series_page": AREA,  # 404 for a meeting outside a series (tests/meetings)
    "meetings.invite_series": frozenset({"coordinator"}),
    "minutes.meeting_minutes": AREA,
    "minutes.case_minutes": AREA,
    "minutes.save_draft": AREA,  # the key decides chair-only forms (403 in the area)
    "minutes.discard_draft": AREA,
    "minutes.live_state": AREA,
    "minutes.add_action": AREA,
    "minutes.edit_entry": AREA,
    "minutes.entry_history": AREA,
    "minutes.view_minutes": AREA,
    "minutes.approve": frozenset({"chair"}),
    "minutes.risk_summary": frozenset({"chair"}),
    "minutes.amend_risk_summary": frozenset({"chair"}),
    "minutes.amend_entry": frozenset({"chair"}),
    "minutes.late_entry": frozenset({"chair"}),
    "minutes.circulation": AREA,
    "minutes.draft_review": CASE_READERS,  # a rep only when present and sent the draft
    "privacy.request_detail": frozenset({"dpo"}),
    "privacy.export_case": frozenset({"dpo"}),
    "privacy.subject_matches": frozenset({"dpo"}),
    "privacy.add_case": frozenset({"dpo"}),
    "privacy.review_case": frozenset({"dpo"}),
    "privacy.erase": frozenset({"dpo"}),
    "privacy.lift_restriction": frozenset({"dpo"}),
    "privacy.rectify": frozenset({"dpo"}),
    "privacy.restrict": frozenset({"dpo"}),
    "privacy.lift_hold": frozenset({"dpo"}),
    "protocol.agency": frozenset({"admin", "coordinator", "chair"}),
    "protocol.signature_new": frozenset({"admin", "coordinator"}),
    "protocol.signature_edit": frozenset({"admin", "coordinator"}),
    "protocol.signature_withdraw": frozenset({"admin", "coordinator"}),
    "protocol.version": frozenset({"admin", "coordinator", "chair"}),
    "referrals.case": CASE_READERS,
    "referrals.meeting_case_list": AREA,
    "referrals.research_list": CASE_READERS,
    "referrals.research_list_csv_download": CASE_READERS,
    "referrals.allocate": frozenset({"coordinator"}),
    "referrals.move_item": frozenset({"coordinator"}),
    "referrals.remove_item": frozenset({"coordinator"}),
    "referrals.edit_referral": frozenset({"coordinator"}),
    "referrals.repeat_decision": frozenset({"coordinator"}),
    "reports.population": frozenset({"admin", "coordinator"}),
    # Issue 15: the victim's address for an action needing it — its owning agency's rep only.
    "safeguards.reveal_address": frozenset({"rep"}),
    "safeguards.address_alert": frozenset({"coordinator"}),
    "research.meeting_returns": CASE_READERS,
    "research.circulate": frozenset({"coordinator"}),
    "research.remind": frozenset({"coordinator"}),
    "research.edit_return": frozenset({"rep"}),
    "research.view_return": CASE_READERS,  # another agency's: 404 unless the area says so
    "research.reopen_return": frozenset({"coordinator"}),
    "research.make_entry": AREA,
    # Issue 14: transfers — the case's coordinator sends; the receiving coordinator answers a
    # waiting transfer (the sender gets 404); the received case's area reads its history.
    "transfers.start": frozenset({"coordinator"}),
    "transfers.pack": frozenset({"coordinator"}),
    "transfers.decide": frozenset({"coordinator"}),
    "transfers.history": AREA,
}

# Routes whose variable is a secret token, public by design: the token is the credential
# (no signed-in user, nothing to authorise against). Tested by their own features.
TOKEN_ROUTES = frozenset(
    {
        "auth.reset_password",  # one-time password-reset token (tests/auth)
        "auth.set_password",  # one-time set-password token (tests/auth)
        "meetings.feed",  # calendar feed token (tests/meetings/test_calendars.py)
    }
)

# Object routes that need state this world does not build (approved, distributed minutes).
# Their gate (meeting and agency ids) is exercised in test_distributed_documents.py with the
# distribution feature's real approved meeting; every refusal here is still checked.
NEEDS_DISTRIBUTED_MINUTES = frozenset({"distribution.download", "distribution.action_extract"})

# Roles bound to a tenant: their view of another area (and, for reps, agency) is 404.
TENANT_BOUND = frozenset({"coordinator", "chair", "rep"})
OWNER_ONLY = frozenset({"jobs.status_page", "jobs.status_json"})  # a job is its owner's


def methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def covers(rule: Rule, values: dict, answer: Answer) -> bool:
    """True when every object variable of ``rule`` passed the gate in this request."""
    seen = {object_id for _, object_id in answer.authorised}
    return all(str(values[name]) in seen for name in object_variables(rule))


def expectation(endpoint: str, role: str, relation: str, same_values: bool) -> str:
    """'allowed', 'denied' (403/404) or 'hidden' (exactly 404)."""
    allowed = role in ALLOWED.get(endpoint, frozenset())
    if not allowed:
        return "denied"
    if relation == "own" or same_values:
        return "allowed"
    if endpoint in OWNER_ONLY:
        return "hidden"
    if relation in ("other_area", "other_area_same_agency") and role in TENANT_BOUND:
        return "hidden"
    if relation == "other_agency" and role == "rep":
        return "hidden"
    return "allowed"


def check(
    rule: Rule, method: str, role: str, relation: str, values: dict, answer: Answer, expected: str
) -> list[str]:
    where = f"{method} {rule.rule} [{rule.endpoint}] as {role}, {relation.replace('_', ' ')}"
    problems = []
    if answer.status >= 500:
        problems.append(f"{where}: {answer.status} {answer.body[:200]}")
    elif answer.status < 400 and not covers(rule, values, answer):
        problems.append(
            f"{where}: answered {answer.status} without the authorisation gate "
            f"(authorised {answer.authorised})"
        )
    elif expected == "denied" and answer.status not in (403, 404):
        problems.append(f"{where}: expected 403 or 404, got {answer.status}")
    elif expected == "hidden" and answer.status != 404:
        problems.append(f"{where}: expected 404, got {answer.status}")
    return problems


class Probers(dict):
    """One signed-in prober per role, signed in on first use."""

    def __init__(self, app: Flask, sw: SecurityWorld, connection: sa.Connection) -> None:
        super().__init__()
        self.app, self.sw, self.connection = app, sw, connection

    def __missing__(self, role: str) -> Prober:
        prober = Prober(self.app, self.app.test_client(), self.connection)
        prober.sign_in(self.sw.user(role))
        self[role] = prober
        return prober


@pytest.fixture()
def probers(app: Flask, sw: SecurityWorld, db_transaction: sa.Connection) -> Iterator[Probers]:
    yield Probers(app, sw, db_transaction)


def test_every_object_route_is_in_the_tables(app: Flask) -> None:
    unknown = [
        f"{r.endpoint} ({r.rule})"
        for r in object_rules(app)
        if r.endpoint not in ALLOWED and r.endpoint not in TOKEN_ROUTES
    ]
    assert not unknown, (
        f"object routes missing from ALLOWED in tests/security/test_gate_and_matrix.py: {unknown}"
    )
    stale = sorted(set(ALLOWED) - {r.endpoint for r in object_rules(app)})
    assert not stale, f"ALLOWED names routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_route_role_relation_matrix(
    app: Flask, sw: SecurityWorld, probers: Probers, role: str
) -> None:
    """Each failure line names the route, the role and the relationship."""
    prober, user = probers[role], sw.user(role)
    own = sw.values("own", user)
    problems: list[str] = []
    for relation in RELATIONS:
        values = sw.values(relation, user)
        for rule in object_rules(app):
            if rule.endpoint in TOKEN_ROUTES:
                continue
            names = object_variables(rule)
            same = all(own[n] == values[n] for n in names)
            if relation != "own" and same:
                continue  # no object of this route differs between the tenants
            expected = expectation(rule.endpoint, role, relation, same)
            for method in methods(rule):
                answer = prober.request(method, fill(rule, values))
                problems += check(rule, method, role, relation, values, answer, expected)
    assert not problems, "\n".join(problems)


def test_every_object_route_goes_through_the_gate(
    app: Flask, sw: SecurityWorld, probers: Probers
) -> None:
    """Each object route answers, for some allowed role, only after the gate ran."""
    problems, unexercised = [], []
    for rule in object_rules(app):
        if rule.endpoint in TOKEN_ROUTES:
            continue
        exercised = False
        for role in sorted(ALLOWED[rule.endpoint]):
            values = sw.values("own", sw.user(role))
            for method in methods(rule):
                answer = probers[role].request(method, fill(rule, values))
                problems += check(rule, method, role, "own", values, answer, "allowed")
                exercised = exercised or covers(rule, values, answer)
        if not exercised and rule.endpoint not in NEEDS_DISTRIBUTED_MINUTES:
            unexercised.append(f"{rule.rule} [{rule.endpoint}]")
    assert not problems, "\n".join(problems)
    assert not unexercised, f"object routes never exercised through the gate: {unexercised}"


def test_token_routes_are_public_by_design(app: Flask) -> None:
    from marac_app.permissions import PUBLIC, access_rule

    for endpoint in TOKEN_ROUTES:
        assert access_rule(app.view_functions[endpoint]) == PUBLIC, endpoint


# --- Lists, searches and exports show only one's own tenant -------------------------------


def _body(prober: Prober, path: str) -> str:
    """The page's text without the values of form fields (a search box re-shows the query)."""
    answer = prober.request("GET", path)
    assert answer.status == 200, (path, answer.status)
    return re.sub(r'value="[^"]*"', "", answer.body)


def test_lists_never_show_another_area(sw: SecurityWorld, probers: Probers) -> None:
    for role in ("coordinator", "chair"):
        prober = probers[role]
        for path in (
            "/cases/",
            "/actions/",
            "/meetings/",
            f"/cases/meetings/{sw.x.meeting.id}/research-list",
            f"/cases/meetings/{sw.x.meeting.id}/research-list.csv",
            f"/cases/?q={sw.b.case_reference}",
        ):
            body = _body(prober, path)
            assert sw.b.case_reference not in body, (role, path)
            assert "ACTIONMARKB" not in body, (role, path)
            assert "Bettina" not in body, (role, path)
        body = _body(prober, "/actions/")
        assert "ACTIONMARKX" in body and "ACTIONMARKY" in body  # own area: both agencies


def test_a_rep_sees_only_their_own_agency_actions(sw: SecurityWorld, probers: Probers) -> None:
    prober = probers["rep"]
    body = _body(prober, "/actions/")
    assert "ACTIONMARKX" in body
    assert "ACTIONMARKY" not in body and "ACTIONMARKB" not in body
    for path in ("/cases/", "/meetings/"):
        body = _body(prober, path)
        assert sw.b.case_reference not in body and "Bettina" not in body, path
    ics = _body(prober, f"/meetings/{sw.x.meeting.id}/calendar.ics")
    assert "Bettina" not in ics and sw.b.case_reference not in ics


def test_admin_and_dpo_read_no_case_lists(probers: Probers) -> None:
    for role in ("admin", "dpo"):
        for path in ("/cases/", "/actions/", "/meetings/"):
            answer = probers[role].request("GET", path)
            assert answer.status in (403, 404), (role, path, answer.status)


# --- One agency serving two areas (issue 11 §3) ------------------------------------------
# Agency X serves areas A and B. X's representative in A (the "rep" role) was never invited to
# anything in B; B's action owned by X ("ACTIONMARKS") is therefore not theirs to see or change.


def _side_prober(app: Flask, db_transaction: sa.Connection, user) -> Prober:
    prober = Prober(app, app.test_client(), db_transaction)
    prober.sign_in(user)
    return prober


def _status_data(version: int = 1) -> dict[str, str]:
    from marac_app.common.time import london_today as today

    now = today()
    return {
        "status": "completed",
        "note": "Door lock fitted",
        "version": str(version),
        "dated-day": str(now.day),
        "dated-month": str(now.month),
        "dated-year": str(now.year),
    }


def test_a_rep_sees_nothing_of_their_agency_in_another_area(
    sw: SecurityWorld, probers: Probers
) -> None:
    prober = probers["rep"]
    for path in (
        "/",
        "/actions/",
        "/actions/?status=open",
        "/actions/?overdue=1",
        f"/actions/?case={sw.s.case_reference}",
        "/cases/",
        "/meetings/",
    ):
        body = _body(prober, path)
        assert "ACTIONMARKS" not in body, path
        assert sw.s.case_reference not in body, path
    assert "ACTIONMARKX" in _body(prober, "/actions/")  # their own area: still there
    assert "ACTIONMARKX" in _body(prober, "/")  # "My agency's actions" on the home page
    for path in (
        f"/actions/{sw.s.action_id}",
        f"/cases/{sw.s.case_id}",
        f"/meetings/{sw.s.meeting.id}",
        f"/cases/meetings/{sw.s.meeting.id}/research-list.csv",
        f"/distribution/meetings/{sw.s.meeting.id}/minutes.pdf",
        f"/distribution/meetings/{sw.s.meeting.id}/actions/{sw.x.agency.id}.pdf",
    ):
        answer = prober.request("GET", path)
        assert answer.status == 404, (path, answer.status)
        assert "ACTIONMARKS" not in answer.body


def test_the_same_agency_rep_of_the_other_area_sees_only_that_area(
    app: Flask, sw: SecurityWorld, db_transaction: sa.Connection
) -> None:
    """The positive control: X's representative in B sees B's action, and not A's."""
    prober = _side_prober(app, db_transaction, sw.s.rep)
    for path in ("/", "/actions/"):
        body = _body(prober, path)
        assert "ACTIONMARKS" in body, path
        assert "ACTIONMARKX" not in body and sw.x.case_reference not in body, path
    assert prober.request("GET", f"/actions/{sw.s.action_id}").status == 200
    assert prober.request("GET", f"/actions/{sw.x.action_id}").status == 404


def _action_state(connection: sa.Connection, action_id: int) -> tuple[str, int, int]:
    from marac_app.action_items.models import ActionItem, ActionStatusUpdate

    status, version = connection.execute(
        sa.select(ActionItem.status, ActionItem.version).where(ActionItem.id == action_id)
    ).one()
    updates = connection.execute(
        sa.select(sa.func.count())
        .select_from(ActionStatusUpdate)
        .where(ActionStatusUpdate.action_id == action_id)
    ).scalar()
    return str(status), version, updates


def test_a_rep_cannot_update_their_agency_action_in_another_area(
    app: Flask, sw: SecurityWorld, probers: Probers, db_transaction: sa.Connection
) -> None:
    seen: list[tuple[str, int, int]] = []

    def keep_state(answer: Answer) -> None:
        seen.append(_action_state(db_transaction, sw.s.action_id))

    refused = probers["rep"].request(
        "POST", f"/actions/{sw.s.action_id}/status", _status_data(), inspect=keep_state
    )
    assert refused.status == 404
    assert seen == [("open", 1, 0)]  # unchanged, no history row
    allowed = _side_prober(app, db_transaction, sw.s.rep).request(
        "POST", f"/actions/{sw.s.action_id}/status", _status_data(), inspect=keep_state
    )
    assert allowed.status == 302, allowed.body[:500]
    assert seen[-1] == ("completed", 2, 1)


def test_actions_of_a_restricted_case_are_hidden_from_reps_and_chairs(
    app: Flask, sw: SecurityWorld, probers: Probers
) -> None:
    from marac_app.referrals.models import CaseRestriction

    with app.app_context():
        db.session.add(CaseRestriction(case_id=sw.x.case_id, reason="Art. 18 request"))
        db.session.commit()
    for role in ("rep", "chair"):
        prober = probers[role]
        for path in ("/", "/actions/"):
            assert "ACTIONMARKX" not in _body(prober, path), (role, path)
        assert prober.request("GET", f"/actions/{sw.x.action_id}").status == 404, role
    assert probers["coordinator"].request("GET", f"/actions/{sw.x.action_id}").status == 200


# --- A person in two areas (issue 15) ------------------------------------------------------
# X's two-area coordinator and representative are members of areas A and B (the rep invited to
# both meetings). Working in A, every object route given B's objects answers 404, exactly as
# for a one-area person of A; after they change to B, every route given A's objects does, and
# B's pages open for them.


def _two_area_person(sw: SecurityWorld, role: str):
    return {"coordinator": sw.two_area_coordinator, "rep": sw.two_area_rep}[role]


def _change_area(prober: Prober, area_id: int) -> None:
    """Change the area the prober works in for the rest of the test (outside a savepoint)."""
    response = prober.client.post(
        "/account/area", data={"csrf_token": prober.token, "area": str(area_id)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _other_area_problems(
    app: Flask,
    prober: Prober,
    role: str,
    own: dict,
    others: dict[str, dict],
) -> list[str]:
    """Every object route, given each of ``others`` (the area not worked in), is 404 for the
    role's allowed routes and 403/404 for the rest. Routes whose objects are the same in both
    (the agency serving both areas, the person's own job) are left out."""
    problems: list[str] = []
    for relation, values in others.items():
        for rule in object_rules(app):
            if rule.endpoint in TOKEN_ROUTES:
                continue
            if all(own[n] == values[n] for n in object_variables(rule)):
                continue
            expected = "hidden" if role in ALLOWED.get(rule.endpoint, frozenset()) else "denied"
            for method in methods(rule):
                answer = prober.request(method, fill(rule, values))
                problems += check(rule, method, role, relation, values, answer, expected)
    return problems


def _opens(prober: Prober, paths: list[str]) -> list[str]:
    return [f"{p}: {s}" for p in paths if (s := prober.request("GET", p).status) != 200]


@pytest.mark.parametrize("role", ["coordinator", "rep"])
def test_a_two_area_person_sees_only_the_area_they_work_in(
    app: Flask, sw: SecurityWorld, db_transaction: sa.Connection, role: str
) -> None:
    person = _two_area_person(sw, role)
    prober = _side_prober(app, db_transaction, person)
    in_a = sw.values("own", person)
    in_b = {**sw.values("other_area_same_agency", person), "public_id": in_a["public_id"]}
    a_pages = {
        "coordinator": [
            f"/meetings/{sw.x.meeting.id}",
            f"/cases/{sw.x.case_id}",
            f"/actions/{sw.y.action_id}",
        ],
        "rep": [f"/meetings/{sw.x.meeting.id}", f"/actions/{sw.x.action_id}"],
    }[role]
    b_pages = {
        "coordinator": [
            f"/meetings/{sw.b.meeting.id}",
            f"/cases/{sw.b.case_id}",
            f"/actions/{sw.b.action_id}",
        ],
        "rep": [f"/meetings/{sw.s.meeting.id}", f"/actions/{sw.s.action_id}"],
    }[role]
    own_mark, other_mark = (
        ("ACTIONMARKY", "ACTIONMARKB")
        if role == "coordinator"
        else (
            "ACTIONMARKX",
            "ACTIONMARKS",
        )
    )

    # Working in A: A's pages open, every page of B is 404.
    assert "Working in: " in _body(prober, "/")
    assert not _opens(prober, a_pages)
    listed = _body(prober, "/actions/")
    assert own_mark in listed and other_mark not in listed
    meetings = _body(prober, "/meetings/")
    assert f'href="/meetings/{sw.x.meeting.id}"' in meetings
    assert f'href="/meetings/{sw.b.meeting.id}"' not in meetings
    problems = _other_area_problems(
        app,
        prober,
        role,
        in_a,
        {
            "area B, agency Z": sw.values("other_area", person),
            "area B, agency X": sw.values("other_area_same_agency", person),
        },
    )
    assert not problems, "working in A:\n" + "\n".join(problems)

    # Changed to B: the reverse.
    _change_area(prober, sw.b.area.id)
    assert not _opens(prober, b_pages)
    listed = _body(prober, "/actions/")
    assert other_mark in listed and own_mark not in listed
    meetings = _body(prober, "/meetings/")
    assert f'href="/meetings/{sw.b.meeting.id}"' in meetings
    assert f'href="/meetings/{sw.x.meeting.id}"' not in meetings
    assert sw.x.case_reference not in _body(prober, "/cases/" if role == "coordinator" else "/")
    problems = _other_area_problems(
        app,
        prober,
        role,
        in_b,
        {
            "area A, agency X": sw.values("own", person),
            "area A, agency Y": sw.values("other_agency", person),
        },
    )
    assert not problems, "working in B:\n" + "\n".join(problems)
    assert all(prober.request("GET", p).status == 404 for p in a_pages)
