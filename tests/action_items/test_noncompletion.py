"""The steering group's non-completion report: numbers, CSV/XLSX, who may see it, bad input."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from marac_app.action_items.models import ActionStatus, ActionStatusUpdate
from marac_app.action_items.report import HEADER
from marac_app.agencies.models import AgencyKind
from marac_app.auth.models import Role
from marac_app.common.time import london_today as today
from marac_app.extensions import db

T = today()


@pytest.fixture()
def world(app, make_area, signed_agency, make_case, make_user, make_action):
    area, other_area = make_area(), make_area()
    housing = signed_agency(area, kind=AgencyKind.HOUSING, name="=Housing Report")
    police = signed_agency(area, name="Police Report")
    far = signed_agency(other_area, name="Far Report")
    case, far_case = make_case(area), make_case(other_area)

    def action(agency, due_days, status=ActionStatus.OPEN, done_days=None, c=case):
        row = make_action(c, agency, due=T + timedelta(days=due_days), status=status)
        if done_days is not None:
            with app.app_context():
                db.session.add(
                    ActionStatusUpdate(
                        action_id=row.id,
                        from_status=ActionStatus.OPEN,
                        to_status=status,
                        note="done",
                        dated=T + timedelta(days=done_days),
                    )
                )
                db.session.commit()
        return row

    action(housing, -10, ActionStatus.COMPLETED, -12)  # on time
    action(housing, -10, ActionStatus.COMPLETED, -5)  # late
    action(housing, -5)  # still open past its due date
    action(housing, 5)  # due after the period
    action(police, -3, ActionStatus.NOT_POSSIBLE, -3)
    action(police, -20, ActionStatus.COMPLETED, -20)
    action(far, -4, c=far_case)  # another area
    return {
        "area": area,
        "coordinator": make_user(Role.COORDINATOR, area=area),
        "chair": make_user(Role.CHAIR, area=area),
        "rep": make_user(Role.AGENCY_REP, agency=police, area=area),
        "admin": make_user(Role.ADMIN),
        "dpo": make_user(Role.DPO),
    }


def _query(fmt: str = "", **extra) -> str:
    start, end = T - timedelta(days=30), T
    parts = {
        "start-day": start.day,
        "start-month": start.month,
        "start-year": start.year,
        "end-day": end.day,
        "end-month": end.month,
        "end-year": end.year,
        **extra,
    }
    if fmt:
        parts["format"] = fmt
    return "/actions/non-completion?" + "&".join(f"{k}={v}" for k, v in parts.items())


def test_report_numbers_per_agency_for_the_coordinators_area(world, auth, client):
    auth.sign_in_as(world["coordinator"])
    assert client.get("/actions/non-completion").status_code == 200
    page = client.get(_query())
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Police Report" in text and "Far Report" not in text


def test_csv_header_rows_guard_and_bom(world, auth, client):
    auth.sign_in_as(world["coordinator"])
    response = client.get(_query("csv"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.data
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ",".join(HEADER)
    # Housing: 3 due in the period, 1 on time, 1 late, 1 open past due, 0 closed, 33 %.
    # Its name starts with "=": guarded against spreadsheet formulas.
    assert lines[1] == "'=Housing Report,3,1,1,1,0,33"
    # Police: 2 due, 1 on time, 0 late, 0 open, 1 not possible, 50 %.
    assert lines[2] == "Police Report,2,1,0,0,1,50"
    assert lines[3] == ""


def test_xlsx_has_the_same_rows(world, auth, client):
    auth.sign_in_as(world["coordinator"])
    response = client.get(_query("xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(row=1, column=1).value == "OFFICIAL-SENSITIVE"
    assert [c.value for c in sheet[4]] == list(HEADER)
    assert [c.value for c in sheet[6]] == ["Police Report", 2, 1, 0, 0, 1, 50]


def test_admin_and_dpo_see_every_area_or_one(world, auth, client):
    auth.sign_in_as(world["admin"])
    text = client.get(_query()).get_data(as_text=True)
    assert "Far Report" in text and "Police Report" in text
    one = client.get(_query(area=world["area"].id)).get_data(as_text=True)
    assert "Far Report" not in one and "Police Report" in one
    auth.sign_out()
    auth.sign_in_as(world["dpo"])
    assert client.get(_query()).status_code == 200


@pytest.mark.parametrize("role", ["chair", "rep"])
def test_others_are_refused(world, auth, client, role):
    auth.sign_in_as(world[role])
    assert client.get(_query()).status_code == 403
    assert client.get(_query("csv")).status_code == 403


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"start-month": "13"}, "real date"),
        ({"end-year": str(T.year - 1)}, "must be the same as or after"),
        ({"start-year": str(T.year - 5)}, "3 years or shorter"),
        ({"start-day": ""}, "start of the period"),
        ({"area": "99999999999999999999999"}, ""),
        ({"start-day": "<script>"}, ""),
        ({"format": "pdf"}, ""),
    ],
)
def test_bad_input_is_4xx_never_500(world, auth, client, extra, message):
    auth.sign_in_as(world["admin"])
    response = client.get(_query(**extra))
    assert response.status_code < 500
    if message:
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
