"""Circulating the research list and reminders: over real SMTP, with no case data; the
representative's home page; the research list's reference and other names."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Flask

from marac_app.audit import AuditEvent
from marac_app.extensions import db
from marac_app.research.models import ResearchCirculation
from tests.conftest import Auth
from tests.fixtures import SmtpCollector
from tests.research.conftest import VICTIM, VICTIM_ALIAS, ResearchWorld

FORBIDDEN = (VICTIM, VICTIM_ALIAS, "Peter Perp", "Cara Child", "SECRET-ADDRESS", "Rita Referrer")


def _no_case_data(rw: ResearchWorld, smtp: SmtpCollector) -> None:
    assert smtp.messages
    for message in smtp.messages:
        text = message.as_string()
        for word in (*FORBIDDEN, rw.case.reference, rw.case_b.reference, "RES-", "/cases/"):
            assert word not in text, word
        assert f"/research/meetings/{rw.meeting.id}" in text  # the sign-in link


def test_circulation_emails_and_home_page_carry_no_case_data(
    app: Flask, auth: Auth, rw: ResearchWorld, smtp_server: SmtpCollector
) -> None:
    auth.sign_in_as(rw.coordinator)
    response = auth.post(f"{rw.returns_url()}/circulate", {}, form_path=rw.returns_url())
    assert response.status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [rw.police_rep.email, rw.housing_rep.email]
    )
    _no_case_data(rw, smtp_server)
    with app.app_context():
        circulation = db.session.scalar(sa.select(ResearchCirculation))
        assert circulation is not None and circulation.circulated_by_id == rw.coordinator.id
        assert db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "research_list_circulated")
        )
    auth.sign_out()
    auth.sign_in_as(rw.housing_rep)
    home = auth.client.get("/").get_data(as_text=True)
    assert "Research returns due" in home and "1 case not yet returned" in home
    assert rw.case.reference not in home and VICTIM not in home


def test_a_reminder_goes_to_one_agency_only_without_case_data(
    app: Flask, auth: Auth, rw: ResearchWorld, smtp_server: SmtpCollector
) -> None:
    auth.sign_in_as(rw.coordinator)
    remind = f"{rw.returns_url()}/agencies/{rw.housing.id}/remind"
    auth.post(remind, {}, form_path=rw.returns_url())
    assert smtp_server.messages == []  # not circulated yet: refused
    auth.post(f"{rw.returns_url()}/circulate", {}, form_path=rw.returns_url())
    smtp_server.messages.clear()
    assert auth.post(remind, {}, form_path=rw.returns_url()).status_code == 302
    assert [m["To"] for m in smtp_server.messages] == [rw.housing_rep.email]
    assert "Reminder" in smtp_server.messages[0]["Subject"]
    _no_case_data(rw, smtp_server)
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "research_reminder_sent")
        )
    auth.sign_out()
    # Not the chair, not a rep, not another area's coordinator.
    for user in (rw.chair, rw.housing_rep, rw.other_coordinator):
        auth.sign_in_as(user)
        token_path = "/"
        assert auth.post(remind, {}, form_path=token_path).status_code == 404, user.name
        auth.sign_out()


def test_the_research_list_gains_the_reference_and_other_names_only(
    auth: Auth, rw: ResearchWorld
) -> None:
    auth.sign_in_as(rw.police_rep)
    page = auth.client.get(f"/cases/meetings/{rw.meeting.id}/research-list").get_data(as_text=True)
    assert rw.case.reference in page and VICTIM_ALIAS in page
    response = auth.client.get(f"/cases/meetings/{rw.meeting.id}/research-list.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Case reference"
    assert rows[1][:4] == [rw.case.reference, VICTIM, VICTIM_ALIAS, "Not known"]
    body = response.get_data(as_text=True)
    for forbidden in ("SECRET-ADDRESS", "Rita Referrer", "17"):
        assert forbidden not in body
