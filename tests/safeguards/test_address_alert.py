"""The address alert ("Address confidential – do not disclose"): set and cleared by the
coordinator with a reason (audited, field names only), and shown on every page and document
that shows the case, through the one macro (``data-address-alert``)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from marac_app.action_items.models import ActionItem
from marac_app.audit import AuditEvent
from marac_app.extensions import db
from marac_app.referrals.address_alerts import ALERT_TEXT, CaseAddressAlert
from tests.conftest import CSRF_RE, Auth
from tests.distribution.world import DW
from tests.security.conftest import SecurityWorld

REASON = "REASONMARK victim fled; perpetrator is looking for her"


def _alert_path(case_id: int) -> str:
    return f"/safeguards/cases/{case_id}/address-alert"


def _set_alert(app: Flask, case_id: int) -> None:
    with app.app_context():
        db.session.add(CaseAddressAlert(case_id=case_id, reason=REASON))
        db.session.commit()


def test_the_coordinator_sets_and_clears_the_alert_with_a_reason(
    app: Flask, aw: SecurityWorld
) -> None:
    client = app.test_client()
    auth = Auth(client)
    auth.sign_in_as(aw.x.coordinator)
    page = client.get(f"/cases/{aw.x.case_id}").get_data(as_text=True)
    assert "Set an address alert" in page and "data-address-alert" not in page
    form = client.get(_alert_path(aw.x.case_id)).get_data(as_text=True)
    token = CSRF_RE.search(form).group(1)  # type: ignore[union-attr]
    refused = client.post(_alert_path(aw.x.case_id), data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 400
    assert "Enter why the case needs an address alert" in refused.get_data(as_text=True)
    too_long = client.post(
        _alert_path(aw.x.case_id), data={"csrf_token": token, "reason": "x" * 1001}
    )
    assert too_long.status_code == 400 and "x" * 1001 in too_long.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseAddressAlert)) == 0
    saved = client.post(_alert_path(aw.x.case_id), data={"csrf_token": token, "reason": REASON})
    assert saved.status_code == 302
    page = client.get(f"/cases/{aw.x.case_id}").get_data(as_text=True)
    assert ALERT_TEXT in page and "Clear the address alert" in page
    refused = client.post(_alert_path(aw.x.case_id), data={"csrf_token": token, "reason": ""})
    assert "Enter why the address alert is being cleared" in refused.get_data(as_text=True)
    cleared = client.post(
        _alert_path(aw.x.case_id), data={"csrf_token": token, "reason": "Moved on safely"}
    )
    assert cleared.status_code == 302
    assert "data-address-alert" not in client.get(f"/cases/{aw.x.case_id}").get_data(as_text=True)
    with app.app_context():
        events = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.object_id, AuditEvent.detail)
            .where(AuditEvent.action.in_(["address_alert_set", "address_alert_cleared"]))
            .order_by(AuditEvent.id)
        ).all()
        history = db.session.scalars(sa.select(CaseAddressAlert)).all()
    assert [e.action for e in events] == ["address_alert_set", "address_alert_cleared"]
    assert all(e.object_id == str(aw.x.case_id) for e in events)
    assert all("REASONMARK" not in (e.detail or "") for e in events)
    assert len(history) == 1 and history[0].cleared_at is not None


def test_only_the_area_coordinator_manages_the_alert(aw: SecurityWorld, probe) -> None:
    for user in (aw.x.chair, aw.x.rep, aw.b.coordinator, aw.admin, aw.dpo):
        answer = probe(user).request("GET", _alert_path(aw.x.case_id))
        assert answer.status in (403, 404), (user.role, answer.status)
        answer = probe(user).request("POST", _alert_path(aw.x.case_id), {"reason": "x"})
        assert answer.status in (403, 404), (user.role, answer.status)
    assert probe(aw.x.coordinator).request("GET", _alert_path(aw.b.case_id)).status == 404


def test_the_alert_is_on_every_page_that_shows_the_case(
    app: Flask, aw: SecurityWorld, probe
) -> None:
    _set_alert(app, aw.x.case_id)
    m, c = aw.x.meeting.id, aw.x.case_id
    pages = {
        aw.x.coordinator: [
            f"/cases/{c}",
            "/cases/",
            f"/cases/meetings/{m}/case-list",
            f"/cases/meetings/{m}/research-list",
            f"/minutes/meetings/{m}/cases/{c}",  # the live case page
            "/actions/",
            f"/actions/{aw.x.action_id}",
            f"/actions/cases/{c}/new",
        ],
        aw.x.chair: [f"/cases/{c}", f"/actions/{aw.x.action_id}"],
        aw.x.rep: [
            f"/cases/{c}",
            "/actions/",
            f"/actions/{aw.x.action_id}",
            f"/cases/meetings/{m}/research-list",
            "/safeguards/flags",
        ],
    }
    missing = []
    for user, paths in pages.items():
        prober = probe(user)
        for path in paths:
            answer = prober.request("GET", path)
            if answer.status != 200 or "data-address-alert" not in answer.body:
                missing.append(f"{user.role} {path}: {answer.status}")
    assert not missing, "\n".join(missing)
    # The other area's case carries none.
    body = probe(aw.b.coordinator).request("GET", f"/cases/{aw.b.case_id}").body
    assert "data-address-alert" not in body


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(__import__("io").BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_minutes_and_extract_identify_the_case_carry_the_alert_never_the_address(
    app: Flask, dw: DW
) -> None:
    address = "ADDRMARKPDF 4 Secret Row"
    with app.app_context():
        case = db.session.get(type(dw.case), dw.case.id)
        case.victim.address = address
        case.victim.date_of_birth = date(1991, 4, 2)
        for action in db.session.scalars(
            sa.select(ActionItem).where(ActionItem.case_id == dw.case.id)
        ):
            action.needs_address = True
        db.session.add(CaseAddressAlert(case_id=dw.case.id, reason=REASON))
        db.session.commit()
    client = app.test_client()
    auth = Auth(client)
    auth.sign_in_as(dw.coordinator)
    saved = auth.post(f"{dw.base}/recipients", {"people": [str(dw.rep.id)]})
    assert saved.status_code in (200, 302)
    for path in (f"/minutes/meetings/{dw.meeting.id}", f"/minutes/meetings/{dw.meeting.id}/view"):
        body = client.get(path).get_data(as_text=True)
        assert "data-address-alert" in body and "ADDRMARKPDF" not in body, path
    auth.sign_out()
    auth.sign_in_as(dw.rep)
    minutes = client.get(f"{dw.base}/minutes.pdf")
    extract = client.get(f"{dw.base}/actions/{dw.police.id}.pdf")
    assert minutes.status_code == 200 and extract.status_code == 200
    for text in (_pdf_text(minutes.data), _pdf_text(extract.data)):
        flat = " ".join(text.split())
        assert "Address confidential" in flat
        assert "Vera Victim, born 2 April 1991" in flat
        assert "ADDRMARKPDF" not in flat
        assert "REASONMARK" not in flat
    for text in (minutes.get_data(as_text=False),):
        assert b"ADDRMARKPDF" not in text
