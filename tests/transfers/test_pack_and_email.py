"""The external transfer pack (a real, stamped, logged PDF of one case only) and the email to
the receiving coordinator (over the real SMTP fixture: a sign-in link, no case data)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from marac_app.distribution.models import DocumentCopy, MasterKind, RenderedMaster
from marac_app.extensions import db
from marac_app.transfers.models import CaseTransfer, TransferKind
from tests.conftest import Auth
from tests.fixtures import SmtpCollector
from tests.transfers.conftest import (
    DONE_ACTION,
    FACT,
    HARM,
    OPEN_ACTION,
    OTHER_ACTION,
    OTHER_FACT,
    OTHER_VICTIM,
    TW,
    VICTIM,
)

RECEIVER = "Northshire MARAC"
REASON = "PACKREASON the victim moved to Northshire"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_external_pack_is_a_stamped_logged_pdf_of_this_case_only(
    app: Flask, auth: Auth, tw: TW
) -> None:
    auth.sign_in_as(tw.coord_a)
    path = f"/transfers/cases/{tw.case.id}/pack"
    response = auth.post(path, {"marac": RECEIVER, "reason": REASON})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert VICTIM not in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    squashed = " ".join(text.split())
    for expected in (VICTIM, FACT, HARM, OPEN_ACTION, RECEIVER, tw.case.reference):
        assert expected in squashed, expected
    assert "Cass Coordinator" in squashed  # the downloader's watermark and footer
    for absent in (OTHER_VICTIM, OTHER_FACT, OTHER_ACTION):
        assert absent not in squashed, absent
    # The completed action is in the minutes (as agreed there), not among the open actions.
    open_part = squashed.split("Actions still open", 1)[1]
    assert OPEN_ACTION in open_part and DONE_ACTION not in open_part
    reader = PdfReader(io.BytesIO(pdf))
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert VICTIM not in metadata and "Cass" not in metadata
    with app.app_context():
        transfer = db.session.scalars(sa.select(CaseTransfer)).one()
        assert transfer.kind == TransferKind.EXTERNAL and transfer.external_marac == RECEIVER
        copy = db.session.scalars(sa.select(DocumentCopy)).one()
        assert copy.kind == MasterKind.TRANSFER_PACK
        assert copy.recipient_user_id == tw.coord_a.id
        assert str(copy.document_id) in squashed  # the copy number is printed on it
        master = db.session.get(RenderedMaster, copy.master_id)
        assert master is not None and master.pdf == b""  # nothing of the case kept cached
    page = auth.client.get(f"/cases/{tw.case.id}").get_data(as_text=True)
    assert f"Transfer pack produced for {RECEIVER} on" in page


def test_a_pack_needs_the_marac_and_a_reason(auth: Auth, tw: TW) -> None:
    auth.sign_in_as(tw.coord_a)
    path = f"/transfers/cases/{tw.case.id}/pack"
    missing = auth.post(path, {"marac": "", "reason": "Kept pack reason"})
    assert missing.status_code == 400
    body = missing.get_data(as_text=True)
    assert "Enter the name of the MARAC receiving the case" in body and "Kept pack reason" in body
    long = auth.post(path, {"marac": "M" * 201, "reason": "x"})
    assert long.status_code == 400
    assert "200 characters or fewer" in long.get_data(as_text=True)


def test_the_transfer_email_has_a_link_and_no_case_data(
    app: Flask, auth: Auth, tw: TW, smtp_server: SmtpCollector
) -> None:
    auth.sign_in_as(tw.coord_a)
    sent = auth.post(
        f"/transfers/cases/{tw.case.id}/transfer",
        {"to_area": str(tw.b.id), "reason": REASON},
    )
    assert sent.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == tw.coord_b.email
    body = message.get_content()
    whole = str(message["Subject"]) + body
    with app.app_context():
        transfer = db.session.scalars(sa.select(CaseTransfer)).one()
        assert f"/transfers/{transfer.id}" in body
    for secret in (VICTIM, "Transferwood", tw.case.reference, REASON, "Peter Perp", FACT):
        assert secret not in whole, secret
    assert not message.is_multipart()
