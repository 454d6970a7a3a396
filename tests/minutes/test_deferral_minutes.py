"""A case deferred on the run page, in the meeting's minutes: the sentence on the minutes
pages and in the minutes PDF, the cases' reads audited, deferral refused once the minutes
are approved, and the unsaved drafts typed for the case following it to the next meeting."""

from __future__ import annotations

import io
import json
import re

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from marac_app.attendance import timing
from marac_app.attendance.models import CaseDeferral
from marac_app.audit import AuditEvent, AuditEventCase
from marac_app.auth.models import User
from marac_app.common.time import LONDON, format_long_date
from marac_app.distribution import copies, recipients
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import deferral_hooks
from marac_app.minutes.builder import build_minutes_document
from marac_app.minutes.models import MinuteDraft
from marac_app.minutes.pdf import render_minutes_pdf
from marac_app.referrals.models import AgendaItem, CaseRestriction
from tests.minutes.conftest import MinutesWorld, approval_data

REASON = "The IDVA has not been able to speak to the victim yet"
DRAFT_TEXT = "Police will share the call log before the next meeting"


def _defer_url(mw: MinutesWorld, item_id: int) -> str:
    return f"/meetings/{mw.meeting.id}/run/{item_id}/defer"


def _defer(auth, mw: MinutesWorld, item_id: int, reason: str = REASON):
    return auth.post(_defer_url(mw, item_id), {"reason": reason}, form_path=_defer_url(mw, item_id))


def _sentence(mw: MinutesWorld, later: Meeting) -> str:
    when = format_long_date(later.starts_at.astimezone(LONDON).date())
    return f"Case {mw.case2.reference} was deferred to the meeting on {when}: {REASON}"


def _case_ids(app: Flask, action: str) -> set[int]:
    """The cases named by the newest ``action`` event."""
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None, action
        return set(
            db.session.scalars(
                sa.select(AuditEventCase.case_id).where(AuditEventCase.event_id == event.id)
            )
        )


def _unsaved_drafts(
    app: Flask, user_ids: tuple[int, ...], item_id: int, key: str, fields: dict[str, str]
) -> None:
    """A draft of ``fields`` under ``key`` by each of ``user_ids`` on the case of ``item_id``
    (committed)."""
    with app.app_context():
        for user_id in user_ids:
            db.session.add(
                MinuteDraft(
                    user_id=user_id, agenda_item_id=item_id, key=key, body=json.dumps(fields)
                )
            )
        db.session.commit()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_hooks_are_installed_once(app) -> None:
    assert timing.deferral_guards.count(deferral_hooks.refuse_when_approved) == 1
    assert timing.on_deferred.count(deferral_hooks.move_drafts) == 1
    deferral_hooks.install()  # as a second create_app in the same process would
    assert timing.deferral_guards.count(deferral_hooks.refuse_when_approved) == 1
    assert timing.on_deferred.count(deferral_hooks.move_drafts) == 1


def test_a_deferral_is_in_the_minutes_and_its_case_read_is_audited(
    app, auth, mw, open_gate, make_meeting
) -> None:
    open_gate()
    later = make_meeting(mw.area, days=14)
    auth.sign_in_as(mw.chair)
    assert _defer(auth, mw, mw.item2.id).status_code == 302
    sentence = _sentence(mw, later)

    view = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view")
    assert view.status_code == 200
    assert sentence in view.get_data(as_text=True)
    assert _case_ids(app, "minutes_viewed") == {mw.case.id, mw.case2.id}

    page = auth.client.get(f"/minutes/meetings/{mw.meeting.id}")
    assert page.status_code == 200
    assert sentence in page.get_data(as_text=True)
    assert mw.case2.id in _case_ids(app, "minutes_meeting_viewed")

    with app.app_context():
        document = build_minutes_document(db.session.get(Meeting, mw.meeting.id))
        assert [case.reference for case in document.cases] == [mw.case.reference]
        [deferral] = document.deferrals
        assert deferral.text == sentence and deferral.case_id == mw.case2.id
        pdf = render_minutes_pdf(document)
    text = _flat(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "Cases deferred" in text
    assert _flat(sentence) in text


def test_the_pdf_copy_audits_the_deferred_case_and_approval_refuses_deferring(
    app, auth, mw, open_gate, make_meeting
) -> None:
    open_gate()
    make_meeting(mw.area, days=14)
    auth.sign_in_as(mw.chair)
    assert _defer(auth, mw, mw.item2.id).status_code == 302
    approve = f"/minutes/meetings/{mw.meeting.id}/approve"
    assert auth.post(approve, approval_data(app, mw.meeting.id), form_path="/").status_code == 302

    # The chair's stamped copy names the deferred case too.
    with app.app_context():
        meeting = db.session.get(Meeting, mw.meeting.id)
        chair = db.session.get(User, mw.chair.id)
        copy, _pdf = recipients.issue_minutes_copy(meeting, chair, actor=chair, ip="127.0.0.1")
        db.session.commit()
    assert _case_ids(app, "minutes_copy_issued") == {mw.case.id, mw.case2.id}

    # Once approved, the other case cannot be deferred: a clear message, nothing changed.
    refused = _defer(auth, mw, mw.item.id, "Ran out of time")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "There is a problem" in html
    assert "The minutes of this meeting have been approved" in html
    assert 'name="reason"' not in html
    with app.app_context():
        assert db.session.get(AgendaItem, mw.item.id) is not None
        assert len(db.session.scalars(sa.select(CaseDeferral)).all()) == 1
    form = auth.client.get(_defer_url(mw, mw.item.id)).get_data(as_text=True)
    assert 'id="deferral-refused"' in form and 'name="reason"' not in form
    run = auth.client.get(f"/meetings/{mw.meeting.id}/run").get_data(as_text=True)
    assert _defer_url(mw, mw.item.id) not in run


def test_a_restricted_deferred_case_leaves_the_minutes_and_the_cached_master(
    app, auth, mw, open_gate, make_meeting
) -> None:
    open_gate()
    make_meeting(mw.area, days=14)
    auth.sign_in_as(mw.chair)
    assert _defer(auth, mw, mw.item2.id).status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, mw.meeting.id)
        assert copies.restriction_suffix(meeting) == ""
        db.session.add(CaseRestriction(case_id=mw.case2.id, reason="Subject request"))
        db.session.commit()
        assert copies.restriction_suffix(meeting) != ""  # a new master, without the case
        assert build_minutes_document(meeting).deferrals == ()
    view = auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view").get_data(as_text=True)
    assert 'id="deferrals"' not in view and f"Case {mw.case2.reference} was" not in view


def test_unsaved_drafts_follow_the_deferred_case(app, auth, mw, open_gate, make_meeting) -> None:
    open_gate()
    later = make_meeting(mw.area, days=14)
    _unsaved_drafts(
        app,
        (mw.chair.id, mw.coordinator.id),
        mw.item2.id,
        "action-new",
        {"description": DRAFT_TEXT},
    )
    auth.sign_in_as(mw.chair)
    assert _defer(auth, mw, mw.item2.id).status_code == 302
    with app.app_context():
        new_item = db.session.scalars(
            sa.select(AgendaItem).where(
                AgendaItem.meeting_id == later.id, AgendaItem.case_id == mw.case2.id
            )
        ).one()
        drafts = db.session.scalars(sa.select(MinuteDraft).order_by(MinuteDraft.id)).all()
        assert [(d.user_id, d.agenda_item_id, d.key) for d in drafts] == [
            (mw.chair.id, new_item.id, "action-new"),
            (mw.coordinator.id, new_item.id, "action-new"),
        ]
        assert all(json.loads(d.body) == {"description": DRAFT_TEXT} for d in drafts)
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "minute_draft_moved")
        ).all()
        assert len(events) == 2
        assert all(DRAFT_TEXT not in (e.detail or "") for e in events)  # ids and key only


def test_a_refused_deferral_keeps_the_drafts_where_they_were(
    app, auth, mw, open_gate, make_meeting
) -> None:
    """No later meeting: refused before anything moves; the draft stays with the case."""
    open_gate()
    _unsaved_drafts(app, (mw.chair.id,), mw.item2.id, "entry-new", {"text": DRAFT_TEXT})
    auth.sign_in_as(mw.chair)
    assert _defer(auth, mw, mw.item2.id).status_code == 400
    with app.app_context():
        [draft] = db.session.scalars(sa.select(MinuteDraft)).all()
        assert draft.agenda_item_id == mw.item2.id
