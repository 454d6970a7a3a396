"""Random input to every action form: a clear answer (redirect or 400), never a server error,
and nothing half-saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marac_app.action_items.models import ActionItem, ActionStatusUpdate
from marac_app.auth.models import Role
from marac_app.extensions import db
from tests.conftest import csrf_token

text = st.text(max_size=300) | st.sampled_from(
    ["", " ", "<script>alert(1)</script>", "' OR 1=1 --", "x" * 2500, "\u202e\u0000", "31"]
)
RANDOM = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _strip_nul(value: str) -> str:
    return value.replace("\x00", "")  # the test client cannot send NUL in form bodies


@pytest.fixture()
def rep_world(make_area, signed_agency, make_case, make_user, make_action, invited_rep):
    """Made once per test (hypothesis runs every example inside the same transaction)."""
    area = make_area()
    agency = signed_agency(area)
    case = make_case(area)
    action = make_action(case, agency)
    return action.id, invited_rep(agency, [case])


@pytest.fixture()
def coordinator_world(make_area, signed_agency, make_case, make_user):
    area = make_area()
    owner = signed_agency(area)
    return make_case(area).id, make_user(Role.COORDINATOR, area=area, agency=owner)


@RANDOM
@given(
    status=text | st.sampled_from(["completed", "not_completed", "not_possible", "open"]),
    note=text,
    day=text,
    month=text,
    year=text,
    version=text,
)
def test_status_form_never_errors(
    app, client, auth, rep_world, status, note, day, month, year, version
) -> None:
    action_id, rep = rep_world
    if client.get("/actions/").status_code != 200:
        auth.sign_in_as(rep)
    token = csrf_token(client, f"/actions/{action_id}")
    data = {
        "csrf_token": token,
        "status": status,
        "note": note,
        "dated-day": day,
        "dated-month": month,
        "dated-year": year,
        "version": version,
    }
    response = client.post(
        f"/actions/{action_id}/status", data={k: _strip_nul(v) for k, v in data.items()}
    )
    assert response.status_code in (302, 400, 409), response.status_code
    with app.app_context():
        updates = db.session.scalar(
            sa.select(sa.func.count(ActionStatusUpdate.id)).where(
                ActionStatusUpdate.action_id == action_id
            )
        )
        action = db.session.get(ActionItem, action_id)
        assert updates == len(action.updates) and updates <= 1


@RANDOM
@given(
    agency=text,
    user=text,
    description=text,
    day=text,
    month=text,
    year=text,
    priority=text | st.sampled_from(["high", "medium", "low"]),
)
def test_new_action_form_never_errors(
    app, client, auth, coordinator_world, agency, user, description, day, month, year, priority
) -> None:
    case_id, coordinator = coordinator_world
    if client.get("/actions/").status_code != 200:
        auth.sign_in_as(coordinator)
    path = f"/actions/cases/{case_id}/new"
    data = {
        "csrf_token": csrf_token(client, path),
        "owner_agency": agency,
        "owner_user": user,
        "description": description,
        "due_date-day": day,
        "due_date-month": month,
        "due_date-year": year,
        "priority": priority,
    }
    response = client.post(path, data={k: _strip_nul(v) for k, v in data.items()})
    assert response.status_code in (302, 400), response.status_code
