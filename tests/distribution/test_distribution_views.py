"""Distributing approved minutes: recipients, stamped downloads, action extracts, the copy
log, the email and the CLI — through the real pages on a real minutes meeting."""

from __future__ import annotations

import email
import io
import re
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from marac_app.audit import AuditEvent
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today as today
from marac_app.distribution.copies import minutes_key
from marac_app.distribution.models import (
    DocumentCopy,
    MasterKind,
    MinutesRecipient,
    RenderedMaster,
)
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from tests.distribution.world import DW, FACT, HOUSING_ACTION, OPINION, POLICE_ACTION, VICTIM


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pages(pdf: bytes) -> list[str]:
    return [_flat(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]


def _save(auth, dw: DW, people: list[User]):
    auth.sign_in_as(dw.coordinator)
    return auth.post(f"{dw.base}/recipients", {"people": [str(p.id) for p in people]})


def _new_mail(outbox: Path, before: set[Path]) -> list[email.message.Message]:
    files = sorted(set(outbox.glob("*.eml")) - before) if outbox.exists() else []
    return [email.message_from_bytes(f.read_bytes()) for f in files]


def _outbox(outbox: Path) -> set[Path]:
    return set(outbox.glob("*.eml")) if outbox.exists() else set()


def _invite(app: Flask, dw: DW, user: User) -> None:
    """An invitation written directly (the invite service refuses an unsigned agency)."""
    with app.app_context():
        db.session.add(
            Invitation(meeting_id=dw.meeting.id, user_id=user.id, agency_id=user.agency_id)
        )
        db.session.commit()


def _recipients(app: Flask, dw: DW) -> list[MinutesRecipient]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(MinutesRecipient).where(MinutesRecipient.meeting_id == dw.meeting.id)
            )
        )


def _copies(app: Flask, dw: DW) -> list[DocumentCopy]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(DocumentCopy)
                .where(DocumentCopy.meeting_id == dw.meeting.id)
                .order_by(DocumentCopy.id)
            )
        )


def test_defaults_then_saving_emails_a_link_without_attachment_or_case_data(
    app, auth, dw: DW, outbox: Path
) -> None:
    mw = dw
    _invite(app, dw, dw.health_rep)
    auth.sign_in_as(mw.coordinator)
    page = auth.client.get(f"{dw.base}/recipients").get_data(as_text=True)
    checked = set(re.findall(r'value="(\d+)" checked', page))
    # Police was present, housing owns an action: their representatives who were invited or
    # present are ticked (not police's second rep, never invited); the chair always is.
    assert checked == {str(u.id) for u in (mw.rep, mw.housing_rep, mw.chair)}
    assert dw.police_rep2.name not in page
    assert "Not signed up:" in page  # the (invited) health rep is listed with the reason
    before = _outbox(outbox)
    response = auth.post(
        f"{dw.base}/recipients", {"people": [str(u.id) for u in (mw.rep, mw.housing_rep, mw.chair)]}
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 people have been emailed" in job_page

    messages = _new_mail(outbox, before)
    assert sorted(m["To"] for m in messages) == sorted(
        u.email for u in (mw.rep, mw.housing_rep, mw.chair)
    )
    for message in messages:
        assert not message.is_multipart()  # no attachment of any kind
        body = message.get_payload(decode=True).decode()
        raw = message.as_string()
        assert f"/distribution/meetings/{mw.meeting.id}/minutes.pdf" in body
        assert mw.area.name in body
        for secret in (
            VICTIM,
            mw.case.reference,
            mw.case2.reference,
            FACT,
            POLICE_ACTION,
            HOUSING_ACTION,
            "%PDF",
        ):
            assert secret not in raw
    rows = _recipients(app, dw)
    assert {r.user_id for r in rows} == {mw.rep.id, mw.housing_rep.id, mw.chair.id}
    assert all(r.notified_at is not None and r.revoked_at is None for r in rows)
    with app.app_context():  # the master was pre-rendered by the job
        assert (
            db.session.scalar(
                sa.select(sa.func.count(RenderedMaster.id)).where(
                    RenderedMaster.key == minutes_key(mw.meeting.id, 1)
                )
            )
            == 1
        )
    # Saving again emails nobody new.
    before = _outbox(outbox)
    again = auth.post(
        f"{dw.base}/recipients", {"people": [str(u.id) for u in (mw.rep, mw.housing_rep, mw.chair)]}
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/recipients")
    assert _new_mail(outbox, before) == []


def test_non_signatory_refused_with_the_reason_and_nothing_saved(
    app, auth, dw: DW, outbox: Path
) -> None:
    before = _outbox(outbox)
    _invite(app, dw, dw.health_rep)
    response = _save(auth, dw, [dw.rep, dw.health_rep])
    assert response.status_code == 400
    page = _flat(response.get_data(as_text=True))
    assert "There is a problem" in page
    assert "Hugo Health cannot receive the minutes:" in page
    assert "has not signed" in page or "information-sharing protocol" in page
    assert _recipients(app, dw) == []
    assert _new_mail(outbox, before) == []


def test_recipients_page_refuses_before_approval_and_to_others(app, auth, dw: DW) -> None:
    mw = dw
    with app.app_context():
        draft = Meeting(
            area_id=dw.area.id,
            starts_at=dw.meeting.starts_at,
            ends_at=dw.meeting.ends_at,
            chair_id=dw.chair.id,
        )
        db.session.add(draft)
        db.session.commit()
        base = f"/distribution/meetings/{draft.id}"
    auth.sign_in_as(mw.coordinator)
    page = auth.client.get(f"{base}/recipients")
    assert page.status_code == 200 and "once the chair has approved" in page.get_data(True)
    refused = auth.post(f"{base}/recipients", {"people": [str(mw.rep.id)]})
    assert refused.status_code == 400
    assert auth.client.get(f"{base}/minutes.pdf").status_code == 404  # not approved yet
    assert auth.client.get(f"{base}/actions/{dw.police.id}.pdf").status_code == 404
    auth.sign_out()
    for user in (mw.other_coordinator, mw.other_chair, mw.rep, mw.chair):
        auth.sign_in_as(user)
        expected = 404 if user.role == Role.COORDINATOR else 403
        assert auth.client.get(f"{dw.base}/recipients").status_code == expected
        auth.sign_out()


def test_download_is_stamped_on_every_page_logged_and_audited(app, auth, dw: DW) -> None:
    mw = dw
    _save(auth, dw, [mw.rep, mw.housing_rep, mw.chair])
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    response = auth.client.get(f"{dw.base}/minutes.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.pdf"')
    for personal in ("Priya", "Police", "Vera", mw.case.reference):
        assert personal not in disposition
    pdf = response.data
    pages = _pages(pdf)
    assert len(pages) >= 2
    [copy] = _copies(app, dw)
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number
        assert f"Issued to Priya Police, {mw.police.name}" in text, number
        assert str(copy.document_id) in text, number
    everything = " ".join(pages)
    assert _flat(dw.statement_text) in everything
    case = everything[everything.index(f"Case {mw.case.reference}") :]
    facts, fact = case.index("Facts"), case.index(FACT)
    opinion_heading, opinion = case.index("Professional opinion"), case.index(OPINION)
    assert facts < fact < opinion_heading < opinion
    assert OPINION not in case[facts:opinion_heading]
    # No victim name (nor the recipient's) in the metadata, though it is in the body.
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data() if "/Metadata" in root else b""
    meta = " ".join(str(v) for v in (reader.metadata or {}).values()) + xmp.decode(
        "utf-8", "replace"
    )
    assert VICTIM in everything
    assert VICTIM not in meta and "Priya" not in meta
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "en-GB"

    assert copy.recipient_user_id == mw.rep.id and copy.kind is MasterKind.MINUTES
    assert copy.ip_address == "127.0.0.1" and copy.minutes_version == 1
    assert copy.revoked_at is None
    # Each download is a fresh copy, each logged and audited.
    second = auth.client.get(f"{dw.base}/minutes.pdf")
    assert second.status_code == 200
    copies = _copies(app, dw)
    assert len(copies) == 2 and copies[0].document_id != copies[1].document_id
    with app.app_context():
        audited = set(
            db.session.scalars(
                sa.select(AuditEvent.object_id).where(
                    AuditEvent.action == "minutes_copy_issued", AuditEvent.actor_id == mw.rep.id
                )
            )
        )
    assert audited == {str(c.document_id) for c in copies}


def test_non_recipients_and_other_areas_get_404(app, auth, dw: DW) -> None:
    mw = dw
    _save(auth, dw, [mw.rep, mw.chair])
    auth.sign_out()
    for user in (
        mw.housing_rep,
        dw.police_rep2,
        dw.health_rep,
        mw.other_coordinator,
        mw.other_chair,
    ):
        auth.sign_in_as(user)
        assert auth.client.get(f"{dw.base}/minutes.pdf").status_code == 404
        # A representative's role never sees the copies (403); another area's staff are
        # refused this meeting (404).
        overseer = user.role in (Role.COORDINATOR, Role.CHAIR)
        assert auth.client.get(f"{dw.base}/copies").status_code == (404 if overseer else 403)
        auth.sign_out()
    assert auth.client.get(f"{dw.base}/minutes.pdf").status_code == 302  # sign in first
    assert _copies(app, dw) == []
    # The coordinator and the chair of the area take their own stamped copy.
    for user in (mw.coordinator, mw.chair):
        auth.sign_in_as(user)
        response = auth.client.get(f"{dw.base}/minutes.pdf")
        assert response.status_code == 200
        assert f"Issued to {user.name}" in _pages(response.data)[0]
        auth.sign_out()


def test_removed_recipient_loses_access_at_once_and_copies_are_revoked(app, auth, dw: DW) -> None:
    mw = dw
    _save(auth, dw, [mw.rep, mw.housing_rep, mw.chair])
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    assert auth.client.get(f"{dw.base}/minutes.pdf").status_code == 200
    auth.sign_out()
    response = _save(auth, dw, [mw.housing_rep, mw.chair])
    assert response.status_code == 302
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    assert auth.client.get(f"{dw.base}/minutes.pdf").status_code == 404
    # Still invited to the meeting, but removed: no action extract either.
    assert auth.client.get(f"{dw.base}/actions/{mw.police.id}.pdf").status_code == 404
    [copy] = _copies(app, dw)
    assert copy.revoked_at is not None and copy.revoked_by_id == mw.coordinator.id
    [row] = [r for r in _recipients(app, dw) if r.user_id == mw.rep.id]
    assert row.revoked_at is not None
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "minutes_recipient_removed",
                    AuditEvent.object_id == str(row.id),
                )
            )
            == 1
        )


def test_agency_loses_signup_and_its_recipient_loses_access(app, auth, dw: DW) -> None:
    from marac_app.protocol.models import ProtocolSignature

    mw = dw
    _save(auth, dw, [mw.housing_rep])
    auth.sign_out()
    with app.app_context():
        for signature in db.session.scalars(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == mw.housing.id)
        ):
            signature.withdrawn_on = today()
        db.session.commit()
    auth.sign_in_as(mw.housing_rep)
    assert auth.client.get(f"{dw.base}/minutes.pdf").status_code == 404


def test_action_extract_holds_only_that_agencys_actions(app, auth, dw: DW) -> None:
    mw = dw
    _save(auth, dw, [mw.housing_rep, mw.chair])
    auth.sign_out()
    auth.sign_in_as(mw.housing_rep)
    url = f"{dw.base}/actions/{mw.housing.id}.pdf"
    response = auth.client.get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Hana" not in response.headers["Content-Disposition"]
    pages = _pages(response.data)
    text = " ".join(pages)
    assert HOUSING_ACTION in text and mw.case2.reference in text
    for other in (POLICE_ACTION, FACT, OPINION, VICTIM, mw.case.reference):
        assert other not in text
    for page in pages:
        assert "Issued to Hana Housing" in page and "OFFICIAL-SENSITIVE" in page
    # Another agency's extract: 404 for this rep.
    assert auth.client.get(f"{dw.base}/actions/{mw.police.id}.pdf").status_code == 404
    auth.sign_out()
    # The invited police rep (not a recipient) may take their own agency's actions only.
    auth.sign_in_as(mw.rep)
    police = auth.client.get(f"{dw.base}/actions/{mw.police.id}.pdf")
    assert police.status_code == 200
    assert POLICE_ACTION in " ".join(_pages(police.data))
    assert HOUSING_ACTION not in " ".join(_pages(police.data))
    assert auth.client.get(url).status_code == 404
    assert auth.client.get(f"{dw.base}/minutes.pdf").status_code == 404
    auth.sign_out()
    auth.sign_in_as(dw.police_rep2)  # neither invited nor a recipient
    assert auth.client.get(f"{dw.base}/actions/{mw.police.id}.pdf").status_code == 404
    kinds = [(c.kind, c.recipient_user_id) for c in _copies(app, dw)]
    assert kinds == [
        (MasterKind.ACTION_EXTRACT, mw.housing_rep.id),
        (MasterKind.ACTION_EXTRACT, mw.rep.id),
    ]


def test_copies_page_lists_every_copy_and_who_has_not_downloaded(app, auth, dw: DW) -> None:
    mw = dw
    _save(auth, dw, [mw.rep, mw.housing_rep, mw.chair])
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    auth.client.get(f"{dw.base}/minutes.pdf")
    auth.sign_out()
    [copy] = _copies(app, dw)
    for user in (mw.coordinator, mw.chair):
        auth.sign_in_as(user)
        page = _flat(auth.client.get(f"{dw.base}/copies").get_data(as_text=True))
        held, waiting = page.split("Recipients who have not downloaded yet")
        assert "Priya Police" in held and str(copy.document_id) in held
        assert "127.0.0.1" in held and copy.issued_at.strftime("%Y-%m-%d %H:%M") in held
        assert "Hana Housing" in waiting and "Charlie Chair" in waiting
        assert "Priya Police" not in waiting
        meeting_page = auth.client.get(f"/meetings/{mw.meeting.id}").get_data(as_text=True)
        assert f"{dw.base}/copies" in meeting_page
        assert (f"{dw.base}/recipients" in meeting_page) == (user.role == Role.COORDINATOR)
        auth.sign_out()
    auth.sign_in_as(mw.rep)
    meeting_page = auth.client.get(f"/meetings/{mw.meeting.id}").get_data(as_text=True)
    assert f"{dw.base}/minutes.pdf" in meeting_page
    assert f"{dw.base}/copies" not in meeting_page


def test_cli_issues_a_copy_through_the_same_path(app, dw: DW, tmp_path: Path, auth) -> None:
    mw = dw
    _save(auth, dw, [mw.rep])
    runner = app.test_cli_runner()
    output = tmp_path / "copy.pdf"
    result = runner.invoke(
        args=[
            "minutes-pdf",
            str(mw.meeting.id),
            "--recipient",
            mw.rep.email.upper(),
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    [copy] = _copies(app, dw)
    assert copy.ip_address == "cli" and copy.recipient_user_id == mw.rep.id
    assert str(copy.document_id) in result.output
    assert output.stat().st_mode & 0o077 == 0
    assert "Issued to Priya Police" in _pages(output.read_bytes())[0]
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "minutes_copy_issued",
                    AuditEvent.object_id == str(copy.document_id),
                )
            )
            == 1
        )
    refused = tmp_path / "refused.pdf"
    result = runner.invoke(
        args=[
            "minutes-pdf",
            str(mw.meeting.id),
            "--recipient",
            mw.housing_rep.email,
            "--output",
            str(refused),
        ]
    )
    assert result.exit_code != 0 and "not a recipient" in result.output
    assert not refused.exists() and len(_copies(app, dw)) == 1


def test_a_case_restricted_after_approval_is_left_out_of_the_next_copy(app, auth, dw: DW) -> None:
    from marac_app.referrals.models import CaseRestriction

    mw = dw
    _save(auth, dw, [mw.rep])
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    first = " ".join(_pages(auth.client.get(f"{dw.base}/minutes.pdf").data))
    assert mw.case.reference in first and mw.case2.reference in first
    police_extract = auth.client.get(f"{dw.base}/actions/{mw.police.id}.pdf")
    assert mw.case.reference in " ".join(_pages(police_extract.data))
    with app.app_context():
        db.session.add(
            CaseRestriction(
                case_id=mw.case.id, reason="Art. 18 request", set_by_id=mw.coordinator.id
            )
        )
        db.session.commit()
    second = " ".join(_pages(auth.client.get(f"{dw.base}/minutes.pdf").data))
    assert mw.case.reference not in second and VICTIM not in second
    assert mw.case2.reference in second
    extract = auth.client.get(f"{dw.base}/actions/{mw.police.id}.pdf")
    assert POLICE_ACTION not in " ".join(_pages(extract.data))
