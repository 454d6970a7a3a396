"""The master cache and the copy log (on the real database)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.distribution import copies
from marac_app.distribution.models import DocumentCopy, MasterKind, RenderedMaster
from marac_app.documents.stamp import SLOT_MARKER
from marac_app.extensions import db
from marac_app.minutes.pdf import render_action_extract_pdf
from tests.distribution.conftest import EXTRACT_ACTIONS, MEETING, page_texts


def _renderer(calls: list[int]):
    def render() -> bytes:
        calls.append(1)
        return render_action_extract_pdf("Housing Options", MEETING, EXTRACT_ACTIONS)

    return render


def test_master_is_rendered_once_per_key(app: Flask) -> None:
    calls: list[int] = []
    with app.app_context():
        key = copies.extract_key(12, 3, 5)
        assert key == "meeting:12:v3:agency:5"
        first = copies.get_or_render_master(
            key, _renderer(calls), kind=MasterKind.ACTION_EXTRACT, meeting_id=12, minutes_version=3
        )
        db.session.commit()
        second = copies.get_or_render_master(key, _renderer(calls))
        assert calls == [1]
        assert second.id == first.id
        assert SLOT_MARKER in second.pdf and second.page_count >= 1
        other = copies.get_or_render_master(copies.minutes_key(12, 4), _renderer(calls))
        assert other.id != first.id and calls == [1, 1]
        stored = db.session.scalars(
            sa.select(RenderedMaster).where(RenderedMaster.key == key)
        ).one()
        assert stored.kind is MasterKind.ACTION_EXTRACT and stored.minutes_version == 3


def test_issue_copy_stamps_logs_and_audits(app: Flask, make_user, make_agency) -> None:
    agency = make_agency(name="Housing Options")
    recipient = make_user(Role.AGENCY_REP, agency=agency, name="Robin Recipient")
    coordinator = make_user(Role.COORDINATOR)
    with app.app_context():
        master = copies.get_or_render_master(
            copies.minutes_key(7, 1), _renderer([]), meeting_id=7, minutes_version=1
        )
        recipient = db.session.merge(recipient)
        actor = db.session.merge(coordinator)
        copy, pdf = copies.issue_copy(master, recipient, actor=actor, ip="203.0.113.9")
        db.session.commit()

        for text in page_texts(pdf):
            assert "Issued to Robin Recipient, Housing Options" in text
            assert str(copy.document_id) in text
        logged = db.session.scalars(
            sa.select(DocumentCopy).where(DocumentCopy.document_id == copy.document_id)
        ).one()
        assert logged.recipient_user_id == recipient.id
        assert logged.recipient_name == "Robin Recipient"
        assert logged.recipient_agency == "Housing Options"
        assert logged.meeting_id == 7 and logged.minutes_version == 1
        assert logged.ip_address == "203.0.113.9" and logged.issued_at.tzinfo is not None
        assert logged.revoked_at is None
        event = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "minutes_copy_issued",
                AuditEvent.object_id == str(copy.document_id),
            )
        ).one()
        assert event.actor_id == actor.id
        assert "Robin" not in (event.detail or "")

        assert [c.id for c in copies.copies_for_meeting(7)] == [copy.id]
        copies.revoke_copy(copy, actor=actor)
        db.session.commit()
        assert copies.find_copy(copy.document_id).is_revoked
        assert copies.copies_for_meeting(7, include_revoked=False) == []
        assert db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minutes_copy_revoked")
        ).all()


def test_each_copy_gets_its_own_document_id(app: Flask, make_user) -> None:
    recipient = make_user(Role.AGENCY_REP)
    with app.app_context():
        master = copies.get_or_render_master("meeting:8:v1", _renderer([]), meeting_id=8)
        recipient = db.session.merge(recipient)
        one, _ = copies.issue_copy(master, recipient, actor=None, ip=None)
        two, _ = copies.issue_copy(master, recipient, actor=None, ip=None)
        assert one.document_id != two.document_id
        assert one.copy_sha256 != two.copy_sha256


def test_deactivated_recipient_is_refused(app: Flask, make_user) -> None:
    recipient = make_user(Role.AGENCY_REP, active=False)
    with app.app_context():
        master = copies.get_or_render_master("meeting:9:v1", _renderer([]), meeting_id=9)
        try:
            copies.issue_copy(master, db.session.merge(recipient), actor=None, ip=None)
        except copies.CopyRefused:
            pass
        else:
            raise AssertionError("a deactivated account was issued a copy")
        assert not copies.copies_for_meeting(9)
