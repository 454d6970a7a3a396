"""Draft minutes circulated to the people present for accuracy comments (issue 13): the email
(SMTP to a loopback aiosmtpd server, and the outbox) carries no case data; only people
present who were sent it read the draft, while it is open, audited; their comments are read
by the chair and coordinator only."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from marac_app.audit import AuditEvent
from marac_app.common.time import LONDON
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.minutes.models import DraftCirculation, DraftComment
from tests.minutes.conftest import MinutesWorld, entry_data

SECRET_FACT = "Police attended the address on 3 January"


class Collector:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _until(days: int = 2) -> dict[str, str]:
    when = (utcnow() + timedelta(days=days)).astimezone(LONDON)
    return {
        "until_date-day": str(when.day),
        "until_date-month": str(when.month),
        "until_date-year": str(when.year),
        "until_time": "17:00",
    }


def _circulate(auth, mw: MinutesWorld, data: dict[str, str] | None = None):
    return auth.post(f"/minutes/meetings/{mw.meeting.id}/circulation", data or _until())


def _close(app) -> None:
    with app.app_context():
        for row in db.session.scalars(sa.select(DraftCirculation)):
            row.comments_until = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_circulation_email_over_smtp_carries_no_case_data(app, auth, mw, open_gate, monkeypatch):
    open_gate()
    auth.sign_in_as(mw.chair)
    auth.post(mw.case_url(), entry_data(mw, SECRET_FACT), form_path="/")
    handler = Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        response = _circulate(auth, mw)
        assert response.status_code == 302
    finally:
        controller.stop()
    assert [str(m["To"]) for m in handler.messages] == [mw.rep.email]  # only the person present
    [message] = handler.messages
    assert [p.get_content_type() for p in message.walk()] == ["text/plain"]
    body = message.get_content()
    assert f"Draft minutes for the {mw.area.name} MARAC on " in body
    assert "are ready for your comments until 17:00 on " in body
    assert f"/minutes/meetings/{mw.meeting.id}/draft" in body
    raw = message.as_string()
    for secret in (
        SECRET_FACT,
        "Vera Victim",
        "Wendy Victim",
        mw.case.reference,
        mw.case2.reference,
    ):
        assert secret not in raw
    with app.app_context():
        circulation = db.session.scalar(sa.select(DraftCirculation))
        assert [r.user_id for r in circulation.recipients] == [mw.rep.id]
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minutes_draft_circulated")
        ).one()
        assert "recipients=1" in event.detail


def test_circulation_goes_to_the_outbox_without_smtp(app, auth, mw, open_gate, outbox) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)  # the coordinator may circulate too
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    assert _circulate(auth, mw).status_code == 302
    written = set(outbox.glob("*.eml")) - before
    assert len(written) == 1
    message = message_from_bytes(next(iter(written)).read_bytes(), policy=policy.default)
    text = message.get_content()
    assert "ready for your comments" in text and mw.case.reference not in text


def test_circulation_refusals(app, auth, mw, open_gate) -> None:
    auth.sign_in_as(mw.chair)
    closed = _circulate(auth, mw)
    assert closed.status_code == 400  # the meeting was never opened
    open_gate()
    past = _circulate(auth, mw, _until(-1))
    assert past.status_code == 400
    assert "The time comments close must be in the future" in past.get_data(as_text=True)
    far = _circulate(auth, mw, _until(40))
    assert far.status_code == 400 and "within 28 days" in far.get_data(as_text=True)
    blank = _circulate(
        auth,
        mw,
        {"until_date-day": "", "until_date-month": "", "until_date-year": "", "until_time": ""},
    )
    assert blank.status_code == 400
    assert "Enter the date comments close" in blank.get_data(True)
    assert "Enter the time comments close" in blank.get_data(True)
    with app.app_context():
        assert db.session.scalars(sa.select(DraftCirculation)).all() == []
    auth.sign_out()
    auth.sign_in_as(mw.rep)
    assert _circulate(auth, mw).status_code == 404


def test_a_person_present_reads_and_comments_while_open(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    auth.post(mw.case_url(), entry_data(mw, SECRET_FACT), form_path="/")
    assert _circulate(auth, mw).status_code == 302
    auth.sign_out()
    draft = f"/minutes/meetings/{mw.meeting.id}/draft"

    # Not present (the housing rep was invited but never recorded present): 404.
    auth.sign_in_as(mw.housing_rep)
    assert auth.client.get(draft).status_code == 404
    assert auth.post(draft, {"text": "Let me in"}).status_code == 404
    auth.sign_out()

    auth.sign_in_as(mw.rep)
    page = auth.client.get(draft)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and SECRET_FACT in html
    # The rest of the minutes stays closed to them.
    assert auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view").status_code == 404
    assert auth.client.get(f"/minutes/meetings/{mw.meeting.id}/circulation").status_code == 404
    empty = auth.post(draft, {"case": "", "text": "  "})
    assert empty.status_code == 400 and "Enter your comment" in empty.get_data(as_text=True)
    foreign = auth.post(draft, {"case": "999999", "text": "Wrong case"})
    assert foreign.status_code == 400
    sent = auth.post(draft, {"case": str(mw.item.id), "text": "The date was 4 January"})
    assert sent.status_code == 302
    assert "The date was 4 January" in auth.client.get(draft).get_data(as_text=True)
    with app.app_context():
        [comment] = db.session.scalars(sa.select(DraftComment)).all()
        assert (comment.author_id, comment.agenda_item_id) == (mw.rep.id, mw.item.id)
        reads = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minutes_draft_reviewed")
        ).all()
        assert reads and all(r.actor_id == mw.rep.id for r in reads)
        assert all("4 January" not in (r.detail or "") for r in reads)
    auth.sign_out()

    # The chair and the coordinator read the comments (audited); nobody else does.
    for reader in (mw.chair, mw.coordinator):
        auth.sign_in_as(reader)
        page = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/circulation")
        assert page.status_code == 200
        assert "The date was 4 January" in page.get_data(as_text=True)
        auth.sign_out()
    auth.sign_in_as(mw.other_chair)
    assert auth.client.get(f"/minutes/meetings/{mw.meeting.id}/circulation").status_code == 404
    assert auth.client.get(draft).status_code == 404
    with app.app_context():
        assert db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minutes_draft_comments_viewed")
        ).all()


def test_after_the_closing_time_or_approval_the_draft_shows_nothing(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    auth.post(mw.case_url(), entry_data(mw, SECRET_FACT), form_path="/")
    assert _circulate(auth, mw).status_code == 302
    auth.sign_out()
    _close(app)
    draft = f"/minutes/meetings/{mw.meeting.id}/draft"
    auth.sign_in_as(mw.rep)
    page = auth.client.get(draft)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Comments on the draft minutes are closed" in html
    assert SECRET_FACT not in html and mw.case.reference not in html
    late = auth.post(draft, {"text": "Too late"})
    assert late.status_code == 409
    with app.app_context():
        assert db.session.scalars(sa.select(DraftComment)).all() == []


def test_meeting_page_offers_circulation_before_approval(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    html = auth.client.get(f"/minutes/meetings/{mw.meeting.id}").get_data(as_text=True)
    assert "Circulate the draft for comments" in html
    assert _circulate(auth, mw).status_code == 302
    html = auth.client.get(f"/minutes/meetings/{mw.meeting.id}").get_data(as_text=True)
    assert "0 comments received" in html
