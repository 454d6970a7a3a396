"""The victim's address for an action agreed as needing it: only the owning agency's
representative, only while the action is open, each showing audited; 404 for everyone
else (every role × own agency / other agency / other area / the same agency in the other
area); the address on no other page of the action."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.audit import AuditEvent, AuditEventCase
from marac_app.extensions import db
from tests.conftest import CSRF_RE, Auth
from tests.safeguards.conftest import ADDRESS_B, ADDRESS_X, PHONE_X
from tests.security.conftest import SecurityWorld

ROLES = ("admin", "dpo", "coordinator", "chair", "rep")


def _reveal(action_id: int) -> str:
    return f"/safeguards/actions/{action_id}/address"


def _shown_events(connection: sa.Connection) -> list[tuple[str | None, str | None, list[int]]]:
    rows = connection.execute(
        sa.select(AuditEvent.id, AuditEvent.object_id, AuditEvent.detail).where(
            AuditEvent.action == "address_shown"
        )
    ).all()
    out = []
    for event_id, object_id, detail in rows:
        cases = connection.scalars(
            sa.select(AuditEventCase.case_id).where(AuditEventCase.event_id == event_id)
        ).all()
        out.append((object_id, detail, sorted(cases)))
    return out


def test_only_the_owning_agency_rep_in_the_area_sees_the_address(
    aw: SecurityWorld, probe, db_transaction: sa.Connection
) -> None:
    sides = {"own": aw.x, "other_agency": aw.y, "other_area": aw.b, "same_agency_other_area": aw.s}
    problems = []
    for role in ROLES:
        prober = probe(aw.user(role))
        for relation, side in sides.items():
            seen: list = []
            answer = prober.request(
                "POST",
                _reveal(side.action_id),
                inspect=lambda a, seen=seen: seen.append(_shown_events(db_transaction)),
            )
            allowed = role == "rep" and relation == "own"
            if allowed:
                if answer.status != 200 or ADDRESS_X not in answer.body:
                    problems.append(f"{role} {relation}: {answer.status} {answer.body[:300]}")
                events = seen[-1] if seen else []
                if events != [
                    (
                        str(aw.x.action_id),
                        f"action={aw.x.action_id} case={aw.x.case_id} fields=address",
                        [aw.x.case_id],
                    )
                ]:
                    problems.append(f"{role} {relation}: audit {events}")
                # The address only; not the safe phone (not needed for the action).
                if PHONE_X in answer.body:
                    problems.append(f"{role} {relation}: safe phone shown")
            else:
                if answer.status != 404:
                    problems.append(f"{role} {relation}: expected 404, got {answer.status}")
                if ADDRESS_X in answer.body or ADDRESS_B in answer.body:
                    problems.append(f"{role} {relation}: address in the refusal")
                if seen and seen[-1]:
                    problems.append(f"{role} {relation}: 'address shown' audited on a refusal")
    assert not problems, "\n".join(problems)


def test_the_same_agency_rep_of_the_other_area_sees_only_that_area(
    aw: SecurityWorld, probe
) -> None:
    """Positive control for the agency serving two areas: X's rep in B sees B's address."""
    prober = probe(aw.s.rep)
    answer = prober.request("POST", _reveal(aw.s.action_id))
    assert answer.status == 200 and ADDRESS_B in answer.body and ADDRESS_X not in answer.body
    assert prober.request("POST", _reveal(aw.x.action_id)).status == 404
    # Another agency's representative in the same area: no address of X's action.
    assert probe(aw.y.rep).request("POST", _reveal(aw.x.action_id)).status == 404
    assert probe(aw.y.rep).request("POST", _reveal(aw.y.action_id)).status == 200


def test_every_showing_is_audited(app: Flask, aw: SecurityWorld) -> None:
    client = app.test_client()
    Auth(client).sign_in_as(aw.x.rep)
    page = client.get(f"/actions/{aw.x.action_id}").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
    for _ in range(2):
        assert client.post(_reveal(aw.x.action_id), data={"csrf_token": token}).status_code == 200
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "address_shown",
                AuditEvent.object_id == str(aw.x.action_id),
                AuditEvent.actor_id == aw.x.rep.id,
            )
        )
    assert count == 2


def test_refused_without_csrf_and_by_get(aw: SecurityWorld, probe) -> None:
    prober = probe(aw.x.rep)
    assert prober.request("POST", _reveal(aw.x.action_id), {"csrf_token": "nope"}).status == 400
    assert prober.request("GET", _reveal(aw.x.action_id)).status == 405
    for bad in ("0", "99999999999999999999999", "abc", "-1"):
        assert prober.request("POST", f"/safeguards/actions/{bad}/address").status == 404


def _set_action(app: Flask, action_id: int, **values: object) -> None:
    with app.app_context():
        action = db.session.get(ActionItem, action_id)
        for name, value in values.items():
            setattr(action, name, value)
        db.session.commit()


def test_not_once_the_action_is_closed_or_not_needing_it(
    app: Flask, aw: SecurityWorld, probe
) -> None:
    prober = probe(aw.x.rep)
    _set_action(app, aw.x.action_id, status=ActionStatus.COMPLETED)
    assert prober.request("POST", _reveal(aw.x.action_id)).status == 404
    page = prober.request("GET", f"/actions/{aw.x.action_id}").body
    assert "Show the address" not in page and "no longer shown" in page
    _set_action(app, aw.x.action_id, status=ActionStatus.OPEN, needs_address=False)
    assert prober.request("POST", _reveal(aw.x.action_id)).status == 404
    assert "Show the address" not in prober.request("GET", f"/actions/{aw.x.action_id}").body


def _without_form_values(body: str) -> str:
    return re.sub(r'value="[^"]*"', "", body)


def test_the_button_is_for_the_owning_agency_only_and_no_page_carries_the_address(
    aw: SecurityWorld, probe
) -> None:
    rep = probe(aw.x.rep)
    page = rep.request("GET", f"/actions/{aw.x.action_id}").body
    assert "Show the address" in page
    assert ADDRESS_X not in page
    # The case is identified by the victim's name and date of birth next to the reference.
    assert "Valerie Victimson, born" in page
    for role in ("coordinator", "chair"):
        body = probe(aw.user(role)).request("GET", f"/actions/{aw.x.action_id}").body
        assert "Show the address" not in body, role
    other = probe(aw.y.rep).request("GET", f"/actions/{aw.y.action_id}").body
    assert "Show the address" in other  # Y's own action
    paths = [
        "/",
        "/actions/",
        f"/actions/{aw.x.action_id}",
        f"/cases/{aw.x.case_id}",
        f"/meetings/{aw.x.meeting.id}",
        f"/cases/meetings/{aw.x.meeting.id}/research-list",
        f"/cases/meetings/{aw.x.meeting.id}/research-list.csv",
        f"/meetings/{aw.x.meeting.id}/calendar.ics",
        "/safeguards/flags",
    ]
    for path in paths:
        answer = rep.request("GET", path)
        assert answer.status < 500, (path, answer.status)
        assert ADDRESS_X not in answer.body and ADDRESS_B not in answer.body, path


def test_an_action_is_agreed_as_needing_the_address(app: Flask, aw: SecurityWorld) -> None:
    from marac_app.common.time import london_today

    client = app.test_client()
    Auth(client).sign_in_as(aw.x.coordinator)
    path = f"/actions/cases/{aw.x.case_id}/new"
    page = client.get(path).get_data(as_text=True)
    assert 'name="needs_address"' in page
    token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
    due = london_today()
    data = {
        "csrf_token": token,
        "owner_agency": str(aw.x.agency.id),
        "description": "NEWACTION fit locks at the property",
        "due_date-day": str(due.day),
        "due_date-month": str(due.month),
        "due_date-year": str(due.year),
        "priority": "high",
        "needs_address": "y",
    }
    assert client.post(path, data=data).status_code == 302
    data["description"] = "NEWACTION2 ring the victim"
    del data["needs_address"]
    assert client.post(path, data=data).status_code == 302
    with app.app_context():
        flagged = dict(
            db.session.execute(
                sa.select(ActionItem.description, ActionItem.needs_address).where(
                    ActionItem.description.like("NEWACTION%")
                )
            ).all()
        )
    assert flagged == {
        "NEWACTION fit locks at the property": True,
        "NEWACTION2 ring the victim": False,
    }
