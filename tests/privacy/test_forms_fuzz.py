"""Random input to every data-protection form: a clear 4xx or a save, never a server error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marac_app.auth.models import Role

TEXT = st.text(max_size=300)
SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _as(auth, client, make_user, role: Role) -> None:
    if not client.get_cookie("marac_session"):
        auth.sign_in_as(make_user(role))


@SETTINGS
@given(
    name=TEXT, right=TEXT, day=TEXT, month=TEXT, year=TEXT, refs=TEXT, details=TEXT, dob_day=TEXT
)
def test_new_request_form_never_fails(
    auth, client, make_user, name, right, day, month, year, refs, details, dob_day
) -> None:
    _as(auth, client, make_user, Role.DPO)
    response = auth.post(
        "/privacy/requests/new",
        {
            "person_name": name,
            "right": right,
            "received_on-day": day,
            "received_on-month": month,
            "received_on-year": year,
            "case_references": refs,
            "details": details,
            "date_of_birth-day": dob_day,
            "date_of_birth-month": "1",
            "date_of_birth-year": "1990",
        },
    )
    assert response.status_code in (302, 400), response.status_code


@SETTINGS
@given(
    status=st.sampled_from(["open", "in_progress", "completed", "refused", "", "x"]),
    decision=TEXT,
    reason=TEXT,
    version=TEXT,
    field=TEXT,
    value=TEXT,
)
def test_request_update_forms_never_fail(
    app, auth, client, make_user, status, decision, reason, version, field, value
) -> None:
    from datetime import date

    from marac_app.extensions import db
    from marac_app.privacy import services
    from marac_app.privacy.models import SubjectRight

    dpo = make_user(Role.DPO)
    with app.app_context():
        saved = services.log_request(
            services.NewRequest(
                "Nobody Known", None, SubjectRight.RECTIFICATION, date(2026, 1, 5), None, []
            ),
            actor=dpo,
        )
        db.session.commit()
        request_id = saved.id
    _as(auth, client, make_user, Role.DPO)
    path = f"/privacy/requests/{request_id}"
    response = auth.post(
        path, {"status": status, "decision": decision, "reason": reason, "version": version}
    )
    assert response.status_code in (302, 400, 409), response.status_code
    response = auth.post(
        f"{path}/rectify",
        {"case_id": version, "field": field, "new_value": value, "reason": reason},
        form_path=path,
    )
    assert response.status_code in (302, 400, 404), response.status_code


@SETTINGS
@given(reference=TEXT, reason=TEXT, years=TEXT)
def test_retention_forms_never_fail(auth, client, make_user, reference, reason, years) -> None:
    _as(auth, client, make_user, Role.DPO)
    response = auth.post(
        "/privacy/retention/holds",
        {"reference": reference, "reason": reason},
        form_path="/privacy/retention",
    )
    assert response.status_code in (302, 400), response.status_code
    response = auth.post(
        "/privacy/retention/policy", {"years": years}, form_path="/privacy/retention"
    )
    assert response.status_code in (302, 400), response.status_code


@SETTINGS
@given(reference=TEXT, day=TEXT, year=TEXT)
def test_close_case_form_never_fails(auth, client, make_user, reference, day, year) -> None:
    _as(auth, client, make_user, Role.COORDINATOR)
    response = auth.post(
        "/privacy/cases/close",
        {
            "reference": reference,
            "closed_on-day": day,
            "closed_on-month": "1",
            "closed_on-year": year,
        },
    )
    assert response.status_code in (302, 400), response.status_code


@SETTINGS
@given(body=TEXT, version=TEXT)
def test_notice_form_never_fails(auth, client, make_user, body, version) -> None:
    _as(auth, client, make_user, Role.ADMIN)
    response = auth.post("/privacy/notice/edit", {"body": body, "version": version})
    assert response.status_code in (302, 400, 409), response.status_code
