"""The register, CSV, versions, signatures and statement pages, through the real app."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa

from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.common.time import london_today as today
from marac_app.extensions import db
from marac_app.protocol.models import ConfidentialityStatement, ProtocolSignature, ProtocolVersion
from marac_app.protocol.services import default_review_date


def audit_actions(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def coordinator_with_agencies(make_area, make_agency, make_user):
    area = make_area()
    signed = make_agency(name="Signed Police", areas=[area])
    unsigned = make_agency(name="Unsigned Housing", areas=[area])
    coordinator = make_user(Role.COORDINATOR, area=area)
    return area, signed, unsigned, coordinator


def current_version(make_version):
    return make_version(label="cur", effective_date=date(2000, 1, 1))


def date_fields(prefix: str, value: date | None) -> dict[str, str]:
    if value is None:
        return {f"{prefix}-day": "", f"{prefix}-month": "", f"{prefix}-year": ""}
    return {
        f"{prefix}-day": str(value.day),
        f"{prefix}-month": str(value.month),
        f"{prefix}-year": str(value.year),
    }


# --- Register --------------------------------------------------------------------------


def test_register_shows_every_agency_of_the_area_with_its_tag(
    app, auth, client, make_area, make_agency, make_user, make_version, make_signature
) -> None:
    area, signed, unsigned, coordinator = coordinator_with_agencies(
        make_area, make_agency, make_user
    )
    elsewhere = make_agency(name="Other Area Agency")
    version = current_version(make_version)
    make_signature(signed, version, signed_on=today(), review_due_on=None, name="Pat Signer")
    auth.sign_in_as(coordinator)
    page = client.get("/protocol/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Signed Police" in html and "Pat Signer" in html
    assert "govuk-tag--green" in html and "Signed up" in html
    assert "Unsigned Housing" in html and "govuk-tag--red" in html
    assert elsewhere.name not in html
    # The coordinator's own agency (made by the factory) is in the area too.
    assert "Signed up: 1. Need to re-sign: 0. Not signed up: 2." in html
    assert audit_actions(app, "protocol_register_viewed")


def test_register_csv_lists_signatories_and_defuses_formulas(
    app, auth, client, make_area, make_agency, make_user, make_version, make_signature
) -> None:
    area, signed, unsigned, coordinator = coordinator_with_agencies(
        make_area, make_agency, make_user
    )
    version = current_version(make_version)
    make_signature(
        signed,
        version,
        signed_on=date(2026, 1, 10),
        review_due_on=date(2099, 1, 10),
        name='=HYPERLINK("x")',
        job_title="+Chief",
    )
    auth.sign_in_as(coordinator)
    response = client.get("/protocol/register.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Agency", "Status", "Signatory"]
    by_agency = {row[0]: row for row in rows[1:]}
    assert {"Signed Police", "Unsigned Housing", coordinator.agency.name} == set(by_agency)
    signed_row = by_agency["Signed Police"]
    assert signed_row[1] == "Signed up"
    assert signed_row[2] == '\'=HYPERLINK("x")'
    assert signed_row[3] == "'+Chief"
    assert signed_row[4:7] == ["cur", "2026-01-10", "2099-01-10"]
    assert by_agency["Unsigned Housing"][1] == "Not signed"
    events = audit_actions(app, "protocol_register_exported")
    assert events and "format=csv" in events[-1].detail
    assert "HYPERLINK" not in (events[-1].detail or "")


def test_printable_register_has_no_navigation(
    auth, client, make_area, make_agency, make_user, make_version
) -> None:
    _, _, _, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    current_version(make_version)
    auth.sign_in_as(coordinator)
    html = client.get("/protocol/register/print").get_data(as_text=True)
    assert "Unsigned Housing" in html
    assert "Main menu" not in html
    assert "OFFICIAL-SENSITIVE" in html


def test_agency_profile_shows_status_and_history(
    auth, client, make_area, make_agency, make_user, make_version, make_signature
) -> None:
    _, signed, _, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    version = current_version(make_version)
    make_signature(
        signed,
        version,
        signed_on=date(2025, 1, 1),
        review_due_on=date(2025, 6, 1),
        name="Old Signer",
    )
    auth.sign_in_as(coordinator)
    html = client.get(f"/protocol/agencies/{signed.id}").get_data(as_text=True)
    assert "Review overdue" in html and "Old Signer" in html
    assert "past its review date" in html


def test_admin_agency_list_shows_the_signup_tag(
    auth, client, make_agency, make_user, make_version, make_signature
) -> None:
    admin = make_user(Role.ADMIN)
    agency = make_agency(name="Tagged Agency")
    make_signature(agency, current_version(make_version), signed_on=today(), review_due_on=None)
    auth.sign_in_as(admin)
    html = client.get("/admin/agencies").get_data(as_text=True)
    assert "Information-sharing protocol" in html
    assert f"/protocol/agencies/{agency.id}" in html


def test_coordinator_home_shows_counts(
    auth, client, make_area, make_agency, make_user, make_version
) -> None:
    _, _, _, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    current_version(make_version)
    auth.sign_in_as(coordinator)
    html = client.get("/").get_data(as_text=True)
    assert "Not signed up: 3" in html
    assert "/protocol/" in html


# --- Protocol versions -----------------------------------------------------------------


def test_create_version_defaults_grace_from_config_and_makes_agencies_resign(
    app, auth, client, make_area, make_agency, make_user, make_version, make_signature
) -> None:
    _, signed, _, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    make_signature(
        signed,
        current_version(make_version),
        signed_on=date(2020, 1, 1),
        review_due_on=date(2099, 1, 1),
    )
    auth.sign_in_as(coordinator)
    form = client.get("/protocol/versions/new").get_data(as_text=True)
    assert f'value="{app.config["ISP_GRACE_DAYS"]}"' in form
    response = auth.post(
        "/protocol/versions/new",
        {
            "title": "Fenshire ISP 2027",
            "version_label": "new-27",
            **date_fields("effective_date", today()),
            "grace_days": "14",
            "text": "The new protocol text.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        created = db.session.scalar(
            sa.select(ProtocolVersion).where(ProtocolVersion.version_label == "new-27")
        )
        assert created.grace_days == 14 and created.effective_date == today()
    html = client.get("/protocol/").get_data(as_text=True)
    assert "Needs to re-sign" in html and "govuk-tag--yellow" in html
    assert audit_actions(app, "protocol_version_created")


def test_create_version_bad_input_is_400_with_messages_and_text_kept(
    auth, client, make_user
) -> None:
    auth.sign_in_as(make_user(Role.ADMIN))
    response = auth.post(
        "/protocol/versions/new",
        {
            "title": "<b>Kept title</b>",
            "version_label": "",
            "effective_date-day": "31",
            "effective_date-month": "2",
            "effective_date-year": "2027",
            "grace_days": "lots",
            "text": "Kept protocol text",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the version, for example 3 or 3.1" in html
    assert "Effective date must be a real date" in html
    assert "Grace period must be a whole number of days" in html
    assert "&lt;b&gt;Kept title&lt;/b&gt;" in html and "Kept protocol text" in html
    assert 'value="lots"' in html


def test_duplicate_version_label_is_refused(auth, client, make_user, make_version) -> None:
    make_version(label="dup")
    auth.sign_in_as(make_user(Role.ADMIN))
    response = auth.post(
        "/protocol/versions/new",
        {
            "title": "T",
            "version_label": "DUP",
            **date_fields("effective_date", today()),
            "grace_days": "30",
            "text": "x",
        },
    )
    assert response.status_code == 400
    assert "Version DUP already exists" in response.get_data(as_text=True)


# --- Signatures ------------------------------------------------------------------------


def test_record_signature_defaults_review_to_a_year(
    app, auth, client, make_area, make_agency, make_user, make_version
) -> None:
    _, _, unsigned, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    version = current_version(make_version)
    auth.sign_in_as(coordinator)
    signed_on = date(2026, 3, 5)
    response = auth.post(
        f"/protocol/agencies/{unsigned.id}/signatures/new",
        {
            "protocol_version_id": str(version.id),
            "signatory_name": "Jo Director",
            "signatory_job_title": "Director of Housing",
            **date_fields("signed_on", signed_on),
            **date_fields("review_due_on", None),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        signature = db.session.scalar(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == unsigned.id)
        )
        assert signature.review_due_on == default_review_date(signed_on)
        assert signature.recorded_by_id == coordinator.id
    events = audit_actions(app, "protocol_signature_recorded")
    assert events and "Jo Director" not in (events[-1].detail or "")


def test_record_signature_bad_input(
    auth, client, make_area, make_agency, make_user, make_version
) -> None:
    _, _, unsigned, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    current_version(make_version)
    auth.sign_in_as(coordinator)
    response = auth.post(
        f"/protocol/agencies/{unsigned.id}/signatures/new",
        {
            "protocol_version_id": "",
            "signatory_name": "Kept Name",
            "signatory_job_title": "",
            "signed_on-day": "1",
            "signed_on-month": "",
            "signed_on-year": "2026",
            **date_fields("review_due_on", None),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Select the protocol version that was signed" in html
    assert "Enter the signatory&#39;s job title" in html
    assert "Date signed must include a month" in html
    assert 'value="Kept Name"' in html


def test_review_date_must_follow_signing(
    auth, client, make_area, make_agency, make_user, make_version
) -> None:
    _, _, unsigned, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    version = current_version(make_version)
    auth.sign_in_as(coordinator)
    response = auth.post(
        f"/protocol/agencies/{unsigned.id}/signatures/new",
        {
            "protocol_version_id": str(version.id),
            "signatory_name": "A",
            "signatory_job_title": "B",
            **date_fields("signed_on", date(2026, 3, 5)),
            **date_fields("review_due_on", date(2026, 3, 1)),
        },
    )
    assert response.status_code == 400
    assert "Review date must be after the date signed" in response.get_data(as_text=True)


def test_withdraw_signature_makes_agency_not_signed_up(
    app, auth, client, make_area, make_agency, make_user, make_version, make_signature
) -> None:
    _, signed, _, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    signature = make_signature(
        signed,
        current_version(make_version),
        signed_on=date(2026, 1, 1),
        review_due_on=date(2099, 1, 1),
    )
    auth.sign_in_as(coordinator)
    path = f"/protocol/signatures/{signature.id}/withdraw"
    missing = auth.post(
        path, {"version": "1", **date_fields("withdrawn_on", today()), "withdrawal_reason": ""}
    )
    assert missing.status_code == 400
    assert "Enter the reason the agency withdrew" in missing.get_data(as_text=True)
    response = auth.post(
        path,
        {
            "version": "1",
            **date_fields("withdrawn_on", today()),
            "withdrawal_reason": "Partnership ended",
        },
    )
    assert response.status_code == 302
    html = client.get(f"/protocol/agencies/{signed.id}").get_data(as_text=True)
    assert "Withdrawn" in html and "Partnership ended" in html
    assert audit_actions(app, "protocol_signature_withdrawn")


def test_stale_signature_edit_is_409_and_shows_both(
    app, auth, client, make_area, make_agency, make_user, make_version, make_signature
) -> None:
    _, signed, _, coordinator = coordinator_with_agencies(make_area, make_agency, make_user)
    version = current_version(make_version)
    signature = make_signature(
        signed,
        version,
        signed_on=date(2026, 1, 1),
        review_due_on=date(2027, 1, 1),
        name="Saved Name",
    )
    auth.sign_in_as(coordinator)
    path = f"/protocol/signatures/{signature.id}"
    fields = {
        "protocol_version_id": str(version.id),
        "signatory_job_title": "Head",
        **date_fields("signed_on", date(2026, 1, 1)),
        **date_fields("review_due_on", date(2027, 1, 1)),
    }
    first = auth.post(path, {"version": "1", "signatory_name": "First Writer", **fields})
    assert first.status_code == 302
    stale = auth.post(path, {"version": "1", "signatory_name": "Second Writer", **fields})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Someone else changed this signature" in html
    assert "First Writer" in html and 'value="Second Writer"' in html
    assert 'name="version" value="2"' in html
    with app.app_context():
        assert db.session.get(ProtocolSignature, signature.id).signatory_name == "First Writer"


# --- Access ----------------------------------------------------------------------------


def test_agency_rep_is_refused_every_protocol_page(
    auth, client, make_user, make_agency, make_version, make_signature
) -> None:
    rep = make_user(Role.AGENCY_REP)
    version = current_version(make_version)
    signature = make_signature(rep.agency, version)
    auth.sign_in_as(rep)
    for path in (
        "/protocol/",
        "/protocol/register.csv",
        "/protocol/register/print",
        "/protocol/versions/new",
        f"/protocol/agencies/{rep.agency_id}",
        f"/protocol/agencies/{rep.agency_id}/signatures/new",
        f"/protocol/signatures/{signature.id}",
        "/protocol/statement/new",
    ):
        assert client.get(path).status_code == 403, path


def test_chair_reads_the_register_but_cannot_manage(
    auth, client, make_area, make_agency, make_user
) -> None:
    area = make_area()
    agency = make_agency(areas=[area])
    chair = make_user(Role.CHAIR, area=area)
    auth.sign_in_as(chair)
    assert client.get("/protocol/").status_code == 200
    assert client.get(f"/protocol/agencies/{agency.id}").status_code == 200
    assert client.get(f"/protocol/agencies/{agency.id}/signatures/new").status_code == 403
    assert client.get("/protocol/versions/new").status_code == 403


def test_coordinator_of_another_area_gets_404(
    auth, client, make_area, make_agency, make_user, make_version, make_signature
) -> None:
    other_agency = make_agency()
    signature = make_signature(other_agency, current_version(make_version))
    coordinator = make_user(Role.COORDINATOR, area=make_area())
    auth.sign_in_as(coordinator)
    assert client.get(f"/protocol/agencies/{other_agency.id}").status_code == 404
    assert client.get(f"/protocol/agencies/{other_agency.id}/signatures/new").status_code == 404
    assert client.get(f"/protocol/signatures/{signature.id}").status_code == 404
    assert client.get(f"/protocol/signatures/{signature.id}/withdraw").status_code == 404
    assert client.get("/protocol/agencies/999999").status_code == 404


# --- Confidentiality statement ---------------------------------------------------------


def test_statement_page_and_publishing_a_new_version(app, auth, client, make_user) -> None:
    auth.sign_in_as(make_user(Role.COORDINATOR))
    html = client.get("/protocol/statement").get_data(as_text=True)
    assert "To reduce repeat victimisation." in html
    assert '<ol class="govuk-list govuk-list--number">' in html
    empty = auth.post("/protocol/statement/new", {"text": ""})
    assert empty.status_code == 400
    assert "Enter the text of the confidentiality statement" in empty.get_data(as_text=True)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(ConfidentialityStatement.version_number)))
    response = auth.post("/protocol/statement/new", {"text": "Revised statement."})
    assert response.status_code == 302
    with app.app_context():
        after = db.session.scalar(sa.select(sa.func.max(ConfidentialityStatement.version_number)))
    assert after == before + 1
    html = client.get("/protocol/statement").get_data(as_text=True)
    assert "Revised statement." in html and "Earlier versions" in html
    assert audit_actions(app, "confidentiality_statement_published")


def test_versions_list_and_text(
    auth, client, make_area, make_agency, make_user, make_version
) -> None:
    version = make_version(
        label="v-list", effective_date=date(2001, 1, 1), grace_days=10, title="Listed ISP"
    )
    chair = make_user(Role.CHAIR)
    auth.sign_in_as(chair)
    html = client.get("/protocol/versions").get_data(as_text=True)
    assert "Version v-list" in html and "Listed ISP" in html
    assert "Add a protocol version" not in html  # chairs read, coordinators manage
    detail = client.get(f"/protocol/versions/{version.id}").get_data(as_text=True)
    assert "Agencies agree to share information." in detail
    assert "still count until 10 January 2001" in detail
    assert client.get("/protocol/versions/999999").status_code == 404
