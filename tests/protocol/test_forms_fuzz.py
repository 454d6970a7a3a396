"""Random input to every protocol form: a clear 4xx or a save, never a server error."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marac_app.auth.models import Role

TEXT = st.text(max_size=300)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _signed_in_admin(auth, make_user):
    user = make_user(Role.ADMIN)
    auth.sign_in_as(user)
    return user


@SETTINGS
@given(title=TEXT, label=TEXT, day=TEXT, grace=TEXT, text=TEXT)
def test_version_form_never_fails(auth, client, make_user, title, label, day, grace, text) -> None:
    if not client.get_cookie("marac_session"):
        _signed_in_admin(auth, make_user)
    response = auth.post(
        "/protocol/versions/new",
        {
            "title": title,
            "version_label": label,
            "effective_date-day": day,
            "effective_date-month": "1",
            "effective_date-year": "2030",
            "grace_days": grace,
            "text": text,
        },
    )
    assert response.status_code in (302, 400), response.status_code


@SETTINGS
@given(name=TEXT, job=TEXT, version_id=TEXT, year=TEXT, reason=TEXT)
def test_signature_and_withdraw_forms_never_fail(
    auth,
    client,
    make_user,
    make_agency,
    make_version,
    make_signature,
    name,
    job,
    version_id,
    year,
    reason,
) -> None:
    if not client.get_cookie("marac_session"):
        _signed_in_admin(auth, make_user)
    agency = make_agency()
    version = make_version(effective_date=date(2000, 1, 1))
    response = auth.post(
        f"/protocol/agencies/{agency.id}/signatures/new",
        {
            "protocol_version_id": version_id or str(version.id),
            "signatory_name": name,
            "signatory_job_title": job,
            "signed_on-day": "1",
            "signed_on-month": "1",
            "signed_on-year": year,
            "review_due_on-day": "",
            "review_due_on-month": "",
            "review_due_on-year": "",
        },
    )
    assert response.status_code in (302, 400), response.status_code
    signature = make_signature(agency, version)
    response = auth.post(
        f"/protocol/signatures/{signature.id}/withdraw",
        {
            "version": name,
            "withdrawn_on-day": "2",
            "withdrawn_on-month": "2",
            "withdrawn_on-year": year,
            "withdrawal_reason": reason,
        },
    )
    assert response.status_code in (302, 400, 409), response.status_code


@SETTINGS
@given(text=TEXT)
def test_statement_form_never_fails(auth, client, make_user, text) -> None:
    if not client.get_cookie("marac_session"):
        _signed_in_admin(auth, make_user)
    response = auth.post("/protocol/statement/new", {"text": text})
    assert response.status_code in (302, 400), response.status_code
