"""The action pages through the real app: tenancy (agency and area), forms, conflicts, audit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.agencies.models import AgencyKind
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.common.time import london_today as today
from marac_app.extensions import db
from tests.conftest import csrf_token


@pytest.fixture()
def world(make_area, signed_agency, make_agency, make_case, make_user, make_action, invited_rep):
    area = make_area()
    police = signed_agency(area, name="Test Police A")
    housing = signed_agency(area, kind=AgencyKind.HOUSING, name="Test Housing B")
    unsigned = make_agency(name="Unsigned Health C", kind=AgencyKind.PRIMARY_CARE, areas=[area])
    case = make_case(area, reference="TST-2026-7001")
    other_case = make_case(area, reference="TST-2026-7002")
    police_action = make_action(case, police, description="Police action alpha")
    housing_action = make_action(
        other_case, housing, description="Housing action bravo", due=today() - timedelta(days=3)
    )
    return {
        "area": area,
        "police": police,
        "housing": housing,
        "unsigned": unsigned,
        "case": case,
        "police_action": police_action,
        "housing_action": housing_action,
        "coordinator": make_user(Role.COORDINATOR, area=area, agency=police),
        "chair": make_user(Role.CHAIR, area=area, agency=police),
        # Both invited to a meeting hearing both cases: what parts them is the agency.
        "police_rep": invited_rep(police, [case, other_case]),
        "housing_rep": invited_rep(housing, [case, other_case]),
    }


def _audits(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _status_data(client, action_id: int, **data):
    token = csrf_token(client, f"/actions/{action_id}")
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    now = today()
    return {
        "csrf_token": token,
        "version": version,
        "dated-day": str(now.day),
        "dated-month": str(now.month),
        "dated-year": str(now.year),
        **data,
    }


# --- Agency tenancy ---------------------------------------------------------------------


def test_rep_sees_only_own_agency_actions_in_the_list(world, auth, client) -> None:
    auth.sign_in_as(world["police_rep"])
    for query in [
        "",
        "?status=open",
        "?overdue=1",
        "?case=TST",
        "?case=7002",
        f"?agency={world['housing'].id}",
        "?due_from=2000-01-01&due_to=2100-01-01",
        "?page=2",
        "?sort=due_desc",
    ]:
        page = client.get(f"/actions/{query}")
        assert page.status_code == 200, query
        text = page.get_data(as_text=True)
        assert "Housing action bravo" not in text, query
        assert "TST-2026-7002" not in text, query
    assert "Police action alpha" in client.get("/actions/").get_data(as_text=True)


def test_rep_gets_404_on_every_other_agency_action_url(world, auth, client, app) -> None:
    auth.sign_in_as(world["police_rep"])
    other = world["housing_action"].id
    assert client.get(f"/actions/{other}").status_code == 404
    data = _status_data(client, world["police_action"].id, status="completed", note="Done")
    assert client.post(f"/actions/{other}/status", data=data).status_code == 404
    assert client.get("/actions/999999").status_code == 404
    with app.app_context():
        assert db.session.get(ActionItem, other).status == ActionStatus.OPEN
    denied = [e for e in _audits(app, "access_denied") if e.object_type == "action"]
    assert {e.object_id for e in denied} == {str(other)}


def test_rep_cannot_agree_actions(world, auth, client) -> None:
    auth.sign_in_as(world["police_rep"])
    assert client.get(f"/actions/cases/{world['case'].id}/new").status_code == 403


def test_rep_home_shows_my_agency_actions_without_other_agencies(world, auth, client, app) -> None:
    auth.sign_in_as(world["housing_rep"])
    text = client.get("/").get_data(as_text=True)
    assert "My agency&#39;s actions" in text or "My agency's actions" in text
    assert "Housing action bravo" in text and "Overdue" in text
    assert "Police action alpha" not in text
    assert any(e.detail == "home rows=1" for e in _audits(app, "action_list_viewed"))


def test_rep_of_agency_that_withdrew_sees_nothing(world, auth, client, app) -> None:
    from marac_app.protocol.models import ProtocolSignature

    with app.app_context():
        for signature in db.session.scalars(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == world["police"].id)
        ):
            signature.withdrawn_on = today()
        db.session.commit()
    auth.sign_in_as(world["police_rep"])
    assert client.get(f"/actions/{world['police_action'].id}").status_code == 404
    assert "Police action alpha" not in client.get("/actions/").get_data(as_text=True)


# --- Area tenancy -----------------------------------------------------------------------


def test_coordinator_sees_every_action_of_the_area_and_the_overdue_list(
    world, auth, client
) -> None:
    auth.sign_in_as(world["coordinator"])
    text = client.get("/actions/").get_data(as_text=True)
    assert "Police action alpha" in text and "Housing action bravo" in text
    assert "1 overdue action" in text
    filtered = client.get(f"/actions/?agency={world['police'].id}").get_data(as_text=True)
    filtered = filtered.split("Find actions")[1]  # below the overdue list
    assert "Police action alpha" in filtered and "Housing action bravo" not in filtered
    overdue = client.get("/actions/?overdue=1").get_data(as_text=True)
    assert "1 action" in overdue
    by_case = client.get("/actions/?case=7001").get_data(as_text=True)
    assert (
        "Police action alpha" in by_case
        and "Housing action bravo" not in by_case.split("Find actions")[1]
    )
    home = client.get("/").get_data(as_text=True)
    assert "1 overdue" in home


def test_coordinator_of_another_area_gets_404(world, auth, client, make_user, make_area) -> None:
    auth.sign_in_as(make_user(Role.COORDINATOR, area=make_area()))
    action_id = world["police_action"].id
    assert client.get(f"/actions/{action_id}").status_code == 404
    token = csrf_token(client, "/actions/")
    assert (
        client.post(
            f"/actions/{action_id}/status", data={"csrf_token": token, "status": "completed"}
        ).status_code
        == 404
    )
    assert client.get(f"/actions/cases/{world['case'].id}/new").status_code == 404
    assert client.get(f"/actions/new?case_id={world['case'].id}").status_code == 404
    assert "Police action alpha" not in client.get("/actions/").get_data(as_text=True)


def test_admin_and_dpo_cannot_read_actions(world, auth, client, make_user) -> None:
    for role in (Role.ADMIN, Role.DPO):
        auth.sign_in_as(make_user(role))
        assert client.get("/actions/").status_code == 403
        assert client.get(f"/actions/{world['police_action'].id}").status_code == 403
        auth.sign_out()


# --- Status updates ---------------------------------------------------------------------


def test_rep_updates_own_action_and_history_is_shown(world, auth, client, app) -> None:
    auth.sign_in_as(world["police_rep"])
    action_id = world["police_action"].id
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "TST-2026-7001" in page and "Police action alpha" in page
    data = _status_data(client, action_id, status="not_possible", note="Victim moved out of area")
    response = client.post(f"/actions/{action_id}/status", data=data)
    assert response.status_code == 302
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Victim moved out of area" in page
    assert "Not possible" in page
    assert _audits(app, "action_status_updated")[-1].detail == "from=open to=not_possible"
    assert len(_audits(app, "action_viewed")) >= 2


def test_a_date_box_left_empty_is_named_and_the_summary_links_to_it(world, auth, client) -> None:
    """The one GOV.UK date field (common/dates.py) and the shared date macro: the message
    names the missing box, the error summary links to that box, what was typed is kept."""
    auth.sign_in_as(world["police_rep"])
    action_id = world["police_action"].id
    data = _status_data(client, action_id, status="completed", note="Door lock fitted")
    data["dated-month"] = ""
    response = client.post(f"/actions/{action_id}/status", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The date this happened must include a month" in text
    assert 'href="#dated-month"' in text and 'id="dated-month"' in text
    assert f'value="{data["dated-day"]}"' in text  # the day typed is shown again


def test_missing_note_is_400_with_a_message_and_the_text_kept(world, auth, client, app) -> None:
    auth.sign_in_as(world["police_rep"])
    action_id = world["police_action"].id
    data = _status_data(
        client,
        action_id,
        status="completed",
        note="   ",
        **{"dated-day": "31", "dated-month": "2", "dated-year": "2026"},
    )
    response = client.post(f"/actions/{action_id}/status", data=data)
    assert response.status_code == 400
    assert "The date this happened must be a real date" in response.get_data(as_text=True)
    data = _status_data(client, action_id, status="not_completed", note="")
    response = client.post(f"/actions/{action_id}/status", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter why the agency did not complete the action" in text
    assert "There is a problem" in text
    data = _status_data(
        client, action_id, status="completed", note="<b>Kept & shown</b>", **{"dated-year": "2999"}
    )
    response = client.post(f"/actions/{action_id}/status", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "must be today or in the past" in text
    assert "&lt;b&gt;Kept &amp; shown&lt;/b&gt;" in text
    with app.app_context():
        action = db.session.get(ActionItem, action_id)
        assert action.status == ActionStatus.OPEN and not action.updates


def test_stale_version_is_409_showing_both(world, auth, client, app) -> None:
    auth.sign_in_as(world["police_rep"])
    action_id = world["police_action"].id
    mine = _status_data(client, action_id, status="completed", note="My note: lock fitted")
    # Someone else saves first.
    theirs = _status_data(client, action_id, status="not_possible", note="Their note: moved away")
    assert client.post(f"/actions/{action_id}/status", data=theirs).status_code == 302
    response = client.post(f"/actions/{action_id}/status", data=mine)
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Their note: moved away" in text and "My note: lock fitted" in text
    assert "What is saved now" in text
    with app.app_context():
        action = db.session.get(ActionItem, action_id)
        assert action.status == ActionStatus.NOT_POSSIBLE
        assert [u.note for u in action.updates] == ["Their note: moved away"]


def test_coordinator_reopens_a_closed_action(world, auth, client) -> None:
    action_id = world["police_action"].id
    auth.sign_in_as(world["police_rep"])
    client.post(
        f"/actions/{action_id}/status",
        data=_status_data(client, action_id, status="completed", note="Done"),
    )
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert 'value="open"' not in page  # a representative cannot reopen
    auth.sign_out()
    auth.sign_in_as(world["coordinator"])
    response = client.post(
        f"/actions/{action_id}/status",
        data=_status_data(client, action_id, status="open", note="Agreed at review"),
    )
    assert response.status_code == 302
    assert "Agreed at review" in client.get(f"/actions/{action_id}").get_data(as_text=True)


def test_chair_can_read_but_not_update(world, auth, client) -> None:
    auth.sign_in_as(world["chair"])
    action_id = world["police_action"].id
    assert client.get(f"/actions/{action_id}").status_code == 200
    token = csrf_token(client, f"/actions/{action_id}")
    response = client.post(
        f"/actions/{action_id}/status", data={"csrf_token": token, "status": "completed"}
    )
    assert response.status_code == 403


# --- Agreeing an action -----------------------------------------------------------------


def _new_data(world, **data):
    due = today() + timedelta(days=10)
    return {
        "owner_agency": str(world["housing"].id),
        "description": "Visit and review",
        "due_date-day": str(due.day),
        "due_date-month": str(due.month),
        "due_date-year": str(due.year),
        "priority": "high",
        **data,
    }


def test_chair_agrees_an_action(world, auth, client, app, make_meeting, make_agenda_item) -> None:
    meeting = make_meeting(world["area"])
    item = make_agenda_item(meeting, world["case"])
    auth.sign_in_as(world["chair"])
    path = f"/actions/new?case_id={world['case'].id}&agenda_item_id={item.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Unsigned Health C (not signed up to the ISP)" in page
    response = auth.post(path, _new_data(world, agenda_item_id=str(item.id)))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        action = db.session.scalars(
            sa.select(ActionItem).where(ActionItem.description == "Visit and review")
        ).one()
        assert (action.meeting_id, action.agenda_item_id) == (meeting.id, item.id)
        assert action.owner_agency_id == world["housing"].id
    assert _audits(app, "action_created")


def test_not_signed_up_agency_is_refused_with_the_reason(world, auth, client, app) -> None:
    auth.sign_in_as(world["coordinator"])
    path = f"/actions/cases/{world['case'].id}/new"
    response = auth.post(
        path, _new_data(world, owner_agency=str(world["unsigned"].id), description="Kept text")
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Unsigned Health C has not signed" in text
    assert "Kept text" in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ActionItem.id))) == 2


def test_bad_new_action_input_is_400_with_specific_messages(world, auth, client) -> None:
    auth.sign_in_as(world["coordinator"])
    path = f"/actions/cases/{world['case'].id}/new"
    response = auth.post(
        path,
        _new_data(
            world,
            owner_agency="",
            description="",
            **{"due_date-day": "", "due_date-month": "", "due_date-year": ""},
            priority="",
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Select the owner agency",
        "Enter what the action is",
        "Enter the due date",
        "Select the priority",
    ):
        assert message in text
    past = today() - timedelta(days=1)
    response = auth.post(
        path,
        _new_data(
            world,
            description="Long enough ' \" <text>",
            **{
                "due_date-day": str(past.day),
                "due_date-month": str(past.month),
                "due_date-year": str(past.year),
            },
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The due date must be today or in the future" in text
    assert "Long enough &#39; &#34; &lt;text&gt;" in text
    response = auth.post(path, _new_data(world, description="x" * 2001))
    assert response.status_code == 400
    assert "2000 characters or fewer" in response.get_data(as_text=True)


# --- Audit and performance --------------------------------------------------------------


def test_list_read_is_audited_with_row_count(world, auth, client, app) -> None:
    auth.sign_in_as(world["coordinator"])
    client.get("/actions/")
    event = _audits(app, "action_list_viewed")[-1]
    assert event.detail.startswith("rows=2 overdue_rows=1")
    assert event.actor_id == world["coordinator"].id


def _count_statements(app, client, path: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if (
            not statement.lstrip().upper().startswith("SAVEPOINT")
            and "RELEASE" not in statement.upper()[:10]
        ):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_rep_list_query_count_does_not_grow_with_actions(
    world, auth, client, app, make_case, make_action
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            make_action(make_case(world["area"]), world["police"])

    auth.sign_in_as(world["police_rep"])
    add(4)  # 5 actions
    few = _count_statements(app, client, "/actions/")
    add(20)  # 25 actions: a full page
    many = _count_statements(app, client, "/actions/")
    add(25)  # 50 actions
    most = _count_statements(app, client, "/actions/")
    assert few == many == most
