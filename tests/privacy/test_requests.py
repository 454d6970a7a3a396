"""Data-subject requests through the real pages: logging with the statutory due date, the
victim's access and portability copies (built from her role, reviewed before release),
rectification, restriction, erasure, objection, and who may see any of it. Requests from
people in other roles: tests/privacy/test_subject_access_by_role.py."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader
from sqlalchemy.orm import selectinload

from marac_app.audit import AuditEvent
from marac_app.extensions import db
from marac_app.privacy import export, retention, services
from marac_app.privacy.models import (
    CaseStatistic,
    Rectification,
    RequestStatus,
    SubjectRequest,
    SubjectRight,
    SubjectRole,
)
from marac_app.referrals import restriction
from marac_app.referrals.models import Case
from tests.privacy.access_helpers import attach_role, disclose_all, review_path
from tests.privacy.conftest import CHILD, case_exists, orphans

VICTIM = "Valerie Victimson"


def test_due_date_is_one_calendar_month_with_end_of_month_clamp() -> None:
    assert services.statutory_due_date(date(2026, 1, 31)) == date(2026, 2, 28)
    assert services.statutory_due_date(date(2028, 1, 31)) == date(2028, 2, 29)
    assert services.statutory_due_date(date(2026, 3, 15)) == date(2026, 4, 15)
    assert services.statutory_due_date(date(2026, 12, 31)) == date(2027, 1, 31)


def log(
    auth,
    right: SubjectRight,
    *,
    name: str = VICTIM,
    day: str = "31",
    month: str = "1",
    year: str = "2026",
    **extra: str,
) -> Any:
    return auth.post(
        "/privacy/requests/new",
        {
            "person_name": name,
            "right": right.value,
            "received_on-day": day,
            "received_on-month": month,
            "received_on-year": year,
            **extra,
        },
    )


def only_request(app: Flask) -> SubjectRequest:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(SubjectRequest).options(selectinload(SubjectRequest.cases))
            )
        )
        assert len(found) == 1
        return found[0]


@pytest.mark.parametrize("right", list(SubjectRight))
def test_each_right_is_logged_with_its_due_date(
    app: Flask, auth, world, make_heard_case, right: SubjectRight
) -> None:
    case_id = make_heard_case(world)
    auth.sign_in_as(world.dpo)
    response = log(auth, right)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    saved = only_request(app)
    assert response.headers["Location"].endswith(f"/privacy/requests/{saved.id}/matches")
    assert saved.right == right and saved.received_on == date(2026, 1, 31)
    assert saved.due_on == date(2026, 2, 28)
    assert saved.status == RequestStatus.OPEN
    assert saved.cases == []  # nothing is attached until the DPO confirms
    matches = auth.client.get(f"/privacy/requests/{saved.id}/matches").get_data(as_text=True)
    value = re.search(r'name="records"[^>]*value="(p\d+)"', matches).group(1)
    attached = auth.post(
        f"/privacy/requests/{saved.id}/matches",
        {"records": value},
        form_path=f"/privacy/requests/{saved.id}/matches",
    )
    assert attached.status_code == 302
    assert [(link.case_id, link.subject_role) for link in only_request(app).cases] == [
        (case_id, SubjectRole.VICTIM)
    ]
    page = auth.client.get("/privacy/requests").get_data(as_text=True)
    assert "28 February 2026" in page and "Overdue" in page
    detail = auth.client.get(f"/privacy/requests/{saved.id}")
    assert detail.status_code == 200 and VICTIM in detail.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "subject_request_logged")
            )
            == f"right={right.value}"
        )
        assert (
            db.session.scalar(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "subject_record_attached")
            )
            == f"case={case_id} role=victim"
        )


def test_bad_request_form_says_what_is_wrong_and_saves_nothing(app: Flask, auth, world) -> None:
    auth.sign_in_as(world.dpo)
    response = auth.post(
        "/privacy/requests/new",
        {
            "person_name": "<script>x</script>",
            "right": "dance",
            "received_on-day": "31",
            "received_on-month": "2",
            "received_on-year": "2026",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Select which right the person is using" in page
    assert "must be a real date" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SubjectRequest)) == 0


@pytest.mark.parametrize("who", ["admin", "coordinator", "chair", "rep"])
def test_requests_are_for_the_dpo_only(app: Flask, auth, world, make_heard_case, who: str) -> None:
    make_heard_case(world)
    with app.app_context():
        saved = services.log_request(
            services.NewRequest(VICTIM, None, SubjectRight.ACCESS, date(2026, 1, 5), None, []),
            actor=world.dpo,
        )
        db.session.commit()
        request_id = saved.id
    case_id = attach_role(app, request_id, SubjectRole.VICTIM)
    auth.sign_in_as(getattr(world, who))
    for path in (
        "/privacy/requests",
        "/privacy/requests/new",
        f"/privacy/requests/{request_id}",
        f"/privacy/requests/{request_id}/matches",
        f"/privacy/requests/{request_id}/add-case?reference=X",
        f"/privacy/requests/{request_id}/cases/{case_id}/review",
        f"/privacy/requests/{request_id}/cases/{case_id}/export.json",
        "/privacy/retention",
    ):
        assert auth.client.get(path).status_code == 403, path


def _logged(app: Flask, world, right: SubjectRight) -> tuple[int, int]:
    """A request from the victim, her case attached in her role (as the DPO confirms it)."""
    with app.app_context():
        saved = services.log_request(
            services.NewRequest(VICTIM, date(1990, 3, 27), right, date(2026, 1, 5), None, []),
            actor=world.dpo,
        )
        db.session.commit()
        request_id = saved.id
    return request_id, attach_role(app, request_id, SubjectRole.VICTIM)


def _check_schema(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """The subset of JSON Schema the export schema uses: type, required, properties, items,
    enum, const."""
    types = schema.get("type")
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        python = {
            "object": dict,
            "array": list,
            "string": str,
            "boolean": bool,
            "null": type(None),
            "integer": int,
        }
        assert any(
            isinstance(value, python[t]) and not (t == "integer" and isinstance(value, bool))
            for t in allowed
        ), f"{path}: {value!r} is not {allowed}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r}"
    if "const" in schema:
        assert value == schema["const"], path
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}.{key} missing"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                _check_schema(value[key], sub, f"{path}.{key}")
        if "properties" in schema:
            assert set(value) <= set(schema["properties"]), f"{path}: undocumented keys"
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check_schema(item, schema["items"], f"{path}[{index}]")


def test_victims_copy_has_her_data_and_nothing_about_the_perpetrator(
    app: Flask, auth, world, make_heard_case
) -> None:
    make_heard_case(world)
    request_id, case_id = _logged(app, world, SubjectRight.ACCESS)
    auth.sign_in_as(world.dpo)
    keys = disclose_all(auth, request_id, case_id)
    # Her referral's reasons, her entry (not the one about the perpetrator), the risk summary
    # and the action: selected by structure.
    assert [k.split(":")[0] for k in keys] == ["referral", "risk", "action", "entry"]
    response = auth.client.get(f"/privacy/requests/{request_id}/cases/{case_id}/export.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    _check_schema(data, export.load_schema())
    assert data["requester"] == {"name": VICTIM, "role": "Victim"}
    details = dict((d["item"], d["value"]) for d in data["records"][0]["details"])
    assert details["Full name"] == VICTIM and details["Address"] == "1 Safe Street"
    assert details["Date of birth"] == "27 March 1990"
    assert details["Ethnic group"] == "Black, Black British, Caribbean or African"
    assert details["Reason for the referral"].startswith("Visible high risk")
    texts = [p["text"] for p in data["passages"]]
    assert any("wants to stay at home" in t for t in texts)
    assert not any("conviction for assault" in t for t in texts)  # about the perpetrator
    assert any(t.startswith("Police to serve a notice on") for t in texts)
    assert data["shared_with"] == [
        {"agency": world.agency.name, "date": "12 March 2026", "document": "Minutes of the meeting"}
    ]
    assert CHILD not in text and "2018" not in text  # the child's name and date of birth

    pdf = auth.client.get(f"/privacy/requests/{request_id}/cases/{case_id}/export.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    pdf_text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert VICTIM in pdf_text and "1 Safe Street" in pdf_text
    assert world.agency.name in pdf_text and "12 March 2026" in pdf_text
    assert CHILD not in pdf_text and "conviction for assault" not in pdf_text
    assert not reader.metadata or not reader.metadata.get("/Author")
    with app.app_context():
        actions = list(
            db.session.scalars(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "subject_export_downloaded")
            )
        )
        assert actions == [f"request={request_id} format=json", f"request={request_id} format=pdf"]


def test_portability_json_follows_the_documented_structure(
    app: Flask, auth, world, make_heard_case
) -> None:
    make_heard_case(world)
    request_id, case_id = _logged(app, world, SubjectRight.PORTABILITY)
    auth.sign_in_as(world.dpo)
    disclose_all(auth, request_id, case_id)
    page = auth.client.get(review_path(request_id, case_id)).get_data(as_text=True)
    assert "Download the copy as JSON" in page and "as PDF" not in page
    assert (
        auth.client.get(f"/privacy/requests/{request_id}/cases/{case_id}/export.pdf").status_code
        == 404
    )
    data = auth.client.get(f"/privacy/requests/{request_id}/cases/{case_id}/export.json").json
    _check_schema(data, export.load_schema())
    assert data["schema_version"] == 2


def test_export_of_a_case_not_linked_to_the_request_is_404(
    app: Flask, auth, world, make_heard_case
) -> None:
    make_heard_case(world)
    other = make_heard_case(world, victim="Someone Else")
    request_id, _ = _logged(app, world, SubjectRight.ACCESS)
    auth.sign_in_as(world.dpo)
    assert (
        auth.client.get(f"/privacy/requests/{request_id}/cases/{other}/export.json").status_code
        == 404
    )


def test_rectification_keeps_who_when_why_and_the_old_value(
    app: Flask, auth, world, make_heard_case
) -> None:
    make_heard_case(world)
    request_id, case_id = _logged(app, world, SubjectRight.RECTIFICATION)
    auth.sign_in_as(world.dpo)
    path = f"/privacy/requests/{request_id}/rectify"
    bad = auth.post(
        path,
        {"case_id": case_id, "field": "address", "new_value": "2 New Road", "reason": ""},
        form_path=f"/privacy/requests/{request_id}",
    )
    assert bad.status_code == 400
    assert "Enter why the detail is being corrected" in bad.get_data(as_text=True)
    response = auth.post(
        path,
        {
            "case_id": case_id,
            "field": "address",
            "new_value": "2 New Road",
            "reason": "Moved in 2025",
        },
        form_path=f"/privacy/requests/{request_id}",
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.victim.address == "2 New Road"
        history = list(db.session.scalars(sa.select(Rectification)))
        assert [(h.field, h.old_value, h.new_value, h.reason, h.by_id) for h in history] == [
            ("address", "1 Safe Street", "2 New Road", "Moved in 2025", world.dpo.id)
        ]
        assert history[0].at is not None
    page = auth.client.get(f"/privacy/requests/{request_id}").get_data(as_text=True)
    assert "1 Safe Street" in page and "Moved in 2025" in page


def test_erasure_carried_out_keeps_statistics_and_the_request(
    app: Flask, auth, world, make_heard_case
) -> None:
    make_heard_case(world)
    request_id, case_id = _logged(app, world, SubjectRight.ERASURE)
    auth.sign_in_as(world.dpo)
    response = auth.post(f"/privacy/requests/{request_id}/erase", {"confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert not case_exists(case_id)
        assert orphans() == []
        saved = db.session.get(SubjectRequest, request_id)
        assert saved.status == RequestStatus.COMPLETED and saved.decision == "Erased"
        assert saved.cases[0].erased_at is not None
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(CaseStatistic)
                .where(CaseStatistic.case_id == case_id)
            )
            == 1
        )
    page = auth.client.get(f"/privacy/requests/{request_id}").get_data(as_text=True)
    assert "This case has been erased" in page


def test_erasure_refused_with_the_legal_reason(app: Flask, auth, world, make_heard_case) -> None:
    make_heard_case(world)
    request_id, case_id = _logged(app, world, SubjectRight.ERASURE)
    with app.app_context():
        retention.set_legal_hold(db.session.get(Case, case_id), "Court order", actor=None)
        db.session.commit()
    auth.sign_in_as(world.dpo)
    detail = f"/privacy/requests/{request_id}"
    held = auth.post(f"{detail}/erase", {"confirm": "y"})
    assert held.status_code == 409 and "under a legal hold" in held.get_data(as_text=True)
    with app.app_context():
        assert case_exists(case_id)
        version = db.session.get(SubjectRequest, request_id).version
    no_reason = auth.post(
        detail, {"status": "refused", "decision": "Refused", "reason": "", "version": version}
    )
    assert no_reason.status_code == 400
    assert "Enter the legal reason for refusing the request" in no_reason.get_data(as_text=True)
    refused = auth.post(
        detail,
        {
            "status": "refused",
            "decision": "Refused",
            "reason": "Legal claims: UK GDPR art. 17(3)(e)",
            "version": version,
        },
    )
    assert refused.status_code == 302
    with app.app_context():
        saved = db.session.get(SubjectRequest, request_id)
        assert saved.status == RequestStatus.REFUSED
        assert saved.reason == "Legal claims: UK GDPR art. 17(3)(e)"
        assert saved.closed_on is not None and case_exists(case_id)
    stale = auth.post(
        detail, {"status": "completed", "decision": "Other", "reason": "", "version": version}
    )
    assert stale.status_code == 409


def test_objection_is_logged_with_its_decision(app: Flask, auth, world, make_heard_case) -> None:
    make_heard_case(world)
    request_id, _ = _logged(app, world, SubjectRight.OBJECTION)
    auth.sign_in_as(world.dpo)
    with app.app_context():
        version = db.session.get(SubjectRequest, request_id).version
    response = auth.post(
        f"/privacy/requests/{request_id}",
        {
            "status": "completed",
            "decision": "Objection not upheld",
            "reason": "Public task: protecting a person at high risk",
            "version": version,
        },
    )
    assert response.status_code == 302
    page = auth.client.get(f"/privacy/requests/{request_id}").get_data(as_text=True)
    assert "Objection not upheld" in page and "Completed" in page


def _restrict(app: Flask, auth, world, make_heard_case) -> tuple[int, int]:
    make_heard_case(world)
    request_id, case_id = _logged(app, world, SubjectRight.RESTRICTION)
    auth.sign_in_as(world.dpo)
    response = auth.post(
        f"/privacy/requests/{request_id}/restrict",
        {"case_id": case_id, "reason": "Accuracy contested"},
        form_path=f"/privacy/requests/{request_id}",
    )
    assert response.status_code == 302
    auth.sign_out()
    return request_id, case_id


def test_restriction_is_recorded_and_shown(app: Flask, auth, world, make_heard_case) -> None:
    request_id, case_id = _restrict(app, auth, world, make_heard_case)
    with app.app_context():
        assert restriction.is_restricted(case_id)
        assert case_id in set(db.session.scalars(restriction.restricted_case_ids()))
        case = db.session.get(Case, case_id)
        assert restriction.may_see_restricted(world.coordinator, case)
        assert restriction.may_see_restricted(world.dpo, case)
        assert not restriction.may_see_restricted(world.rep, case)
        assert not restriction.may_see_restricted(world.chair, case)
    auth.sign_in_as(world.dpo)
    page = auth.client.get(f"/privacy/requests/{request_id}").get_data(as_text=True)
    assert "Processing restricted" in page
    lifted = auth.post(
        f"/privacy/requests/{request_id}/lift-restriction",
        {"case_id": case_id},
        form_path=f"/privacy/requests/{request_id}",
    )
    assert lifted.status_code == 302
    with app.app_context():
        assert not restriction.is_restricted(case_id)


def test_restricted_case_is_hidden_from_a_representative(
    app: Flask, auth, world, make_heard_case
) -> None:
    _, case_id = _restrict(app, auth, world, make_heard_case)
    auth.sign_in_as(world.coordinator)
    assert auth.client.get(f"/cases/{case_id}").status_code == 200
    auth.sign_out()
    auth.sign_in_as(world.rep)
    assert auth.client.get(f"/cases/{case_id}").status_code == 404
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    research = auth.client.get(f"/cases/meetings/{world.meeting.id}/research-list")
    assert research.status_code == 200
    assert reference not in research.get_data(as_text=True)


def test_restricted_case_is_left_out_of_the_chairs_case_list(
    app: Flask, auth, world, make_heard_case
) -> None:
    _, case_id = _restrict(app, auth, world, make_heard_case)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    auth.sign_in_as(world.chair)
    assert reference not in auth.client.get("/cases/").get_data(as_text=True)
    assert auth.client.get(f"/cases/{case_id}").status_code == 404


def test_restricted_case_is_left_out_of_distributed_minutes(
    app: Flask, auth, world, make_heard_case
) -> None:
    from marac_app.meetings.models import Meeting
    from marac_app.minutes.builder import build_minutes_document

    _, case_id = _restrict(app, auth, world, make_heard_case)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
        document = build_minutes_document(db.session.get(Meeting, world.meeting.id))
        assert reference not in [section.reference for section in document.cases]
