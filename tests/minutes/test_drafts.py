"""Server-side drafts of the live minutes forms: saved while typing, restored into the form
when the page is shown again, thrown away on request, removed when the record is saved;
the same access rule as writing the form (404 across areas and agencies); audited by ids
only; and kept when the session has timed out or the form token has expired."""

from __future__ import annotations

import logging
from datetime import timedelta
from html import escape

import sqlalchemy as sa
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from marac_app.audit import AuditEvent
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import UserSession
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.jobs.services import run_job
from marac_app.minutes import drafts
from marac_app.minutes.models import MinuteDraft, MinuteEntry
from marac_app.privacy import jobs as privacy_jobs
from tests.conftest import csrf_token
from tests.minutes.conftest import MinutesWorld, entry_data

SECRET = "Draft text: the victim moved to her sister's flat"
NOTICE = "Restored text you had not saved"


def _draft_url(mw: MinutesWorld, case=None) -> str:
    return f"{mw.case_url(case)}/draft"


def _save(auth, mw: MinutesWorld, key: str, fields: dict, *, token: str | None = None, case=None):
    token = token if token is not None else csrf_token(auth.client, mw.case_url())
    return auth.client.post(
        _draft_url(mw, case),
        json={"key": key, "fields": fields},
        headers={"X-CSRFToken": token, "X-Requested-With": "fetch"},
    )


def _drafts(app: Flask) -> list[MinuteDraft]:
    with app.app_context():
        return list(db.session.scalars(sa.select(MinuteDraft).order_by(MinuteDraft.id)))


def _events(app: Flask, *actions: AuditAction) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
            )
        )


def _age_session(app: Flask, user_id: int, **fields) -> None:
    with app.app_context():
        row = db.session.scalars(
            sa.select(UserSession).where(
                UserSession.user_id == user_id, UserSession.ended_at.is_(None)
            )
        ).one()
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.commit()


def test_draft_is_saved_restored_and_discarded(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert 'data-draft-key="entry-new"' in page
    assert f'data-draft-url="{_draft_url(mw)}"' in page
    assert NOTICE not in page

    saved = _save(
        auth, mw, "entry-new", {"subject": "victim", "kind": "fact", "text": SECRET, "evil": "x"}
    )
    assert saved.status_code == 200
    assert saved.json["saved"] is True and len(saved.json["saved_at"]) == 5
    [draft] = _drafts(app)
    assert draft.user_id == mw.coordinator.id and draft.agenda_item_id == mw.item.id
    assert "evil" not in draft.body  # only the form's own fields are kept

    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert NOTICE in page and escape(SECRET, quote=False) in page.replace("&#39;", "'")
    assert "Discard the restored text" in page

    # Someone else's page shows nothing of it.
    auth.sign_out()
    auth.sign_in_as(mw.chair)
    assert SECRET not in auth.client.get(mw.case_url()).get_data(as_text=True)
    auth.sign_out()

    auth.sign_in_as(mw.coordinator)
    gone = auth.post(f"{_draft_url(mw)}/discard", {"key": "entry-new"}, form_path=mw.case_url())
    assert gone.status_code == 302 and gone.headers["Location"].endswith("#add-entry")
    assert _drafts(app) == []
    assert NOTICE not in auth.client.get(mw.case_url()).get_data(as_text=True)


def test_form_body_is_accepted_and_empty_text_removes_the_draft(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    response = auth.post(
        _draft_url(mw),
        {"key": "risk-summary", "harm_identified": SECRET, "version": ""},
        form_path=mw.case_url(),
    )
    assert response.status_code == 302
    [draft] = _drafts(app)
    assert draft.key == "risk-summary"
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert NOTICE in page
    # Clearing the text clears the draft.
    assert _save(auth, mw, "risk-summary", {"harm_identified": "  "}).json["saved"] is False
    assert _drafts(app) == []


def test_draft_needs_the_csrf_token(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    refused = _save(auth, mw, "entry-new", {"text": SECRET}, token="not-a-token")
    assert refused.status_code == 400 and refused.json["expired"] is True
    missing = auth.client.post(_draft_url(mw), data={"key": "entry-new", "text": SECRET})
    assert missing.status_code == 400
    assert _drafts(app) == []


def test_draft_access_is_the_writing_rule(app, auth, mw, open_gate) -> None:
    open_gate()
    for user in (mw.other_chair, mw.other_coordinator, mw.rep, mw.housing_rep):
        auth.sign_in_as(user)
        token = csrf_token(auth.client, "/")
        response = _save(auth, mw, "entry-new", {"text": SECRET}, token=token)
        assert response.status_code == 404, user.email
        auth.sign_out()
    # The minute-taker may not keep the chair's risk summary draft.
    auth.sign_in_as(mw.coordinator)
    assert _save(auth, mw, "risk-summary", {"harm_identified": SECRET}).status_code == 403
    # An entry of another case of the meeting is not a form of this case.
    with app.app_context():
        entry = MinuteEntry(
            agenda_item_id=mw.item2.id,
            subject="victim",
            kind="fact",
            source_agency_id=mw.police.id,
            text_html="<p>x</p>",
        )
        db.session.add(entry)
        db.session.commit()
        other_entry = entry.id
    key = f"entry-{other_entry}-edit"
    assert _save(auth, mw, key, {"text": SECRET}).status_code == 404
    assert _save(auth, mw, "no-such-form", {"text": SECRET}).status_code == 400
    assert _drafts(app) == []


def test_draft_is_audited_by_ids_only_and_never_logged(app, auth, mw, open_gate, caplog) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    with caplog.at_level(logging.DEBUG):
        _save(auth, mw, "entry-new", {"text": SECRET})
        auth.post(f"{_draft_url(mw)}/discard", {"key": "entry-new"}, form_path=mw.case_url())
    saved, discarded = _events(
        app, AuditAction.MINUTE_DRAFT_SAVED, AuditAction.MINUTE_DRAFT_DISCARDED
    )
    assert saved.action == AuditAction.MINUTE_DRAFT_SAVED
    assert saved.actor_id == mw.coordinator.id and saved.object_type == "minute_draft"
    assert f"case={mw.case.id}" in saved.detail and "key=entry-new" in saved.detail
    assert discarded.action == AuditAction.MINUTE_DRAFT_DISCARDED
    with app.app_context():
        details = db.session.scalars(sa.select(AuditEvent.detail)).all()
    assert not any(SECRET in (detail or "") for detail in details)
    assert "sister" not in caplog.text


def test_real_saves_remove_the_draft(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _save(auth, mw, "entry-new", {"text": SECRET})
    _save(auth, mw, "risk-summary", {"harm_identified": SECRET})
    assert len(_drafts(app)) == 2
    added = auth.post(mw.case_url(), entry_data(mw, SECRET))
    assert added.status_code == 302
    assert [d.key for d in _drafts(app)] == ["risk-summary"]
    saved = auth.post(
        f"{mw.case_url()}/risk-summary",
        {"harm_identified": "Harm.", "version": ""},
        form_path=mw.case_url(),
    )
    assert saved.status_code == 302
    assert _drafts(app) == []


def test_edit_and_amend_pages_restore_their_draft(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    auth.post(mw.case_url(), entry_data(mw, "Original text."))
    with app.app_context():
        entry_id = db.session.scalars(sa.select(MinuteEntry.id)).one()
    edit_url = f"/minutes/meetings/{mw.meeting.id}/entries/{entry_id}/edit"
    _save(auth, mw, f"entry-{entry_id}-edit", {"text": "Edited but not saved", "version": "1"})
    page = auth.client.get(edit_url).get_data(as_text=True)
    assert NOTICE in page and "Edited but not saved" in page
    assert f'data-draft-key="entry-{entry_id}-edit"' in page
    saved = auth.post(edit_url, {**entry_data(mw, "Edited and saved."), "version": "1"})
    assert saved.status_code == 302
    assert _drafts(app) == []


def test_timed_out_post_keeps_the_text_and_returns_after_sign_in(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    token = csrf_token(auth.client, mw.case_url())
    _age_session(app, mw.coordinator.id, last_seen_at=utcnow() - timedelta(minutes=31))
    late = auth.client.post(mw.case_url(), data={"csrf_token": token, **entry_data(mw, SECRET)})
    assert late.status_code == 302
    location = late.headers["Location"]
    assert location.startswith("/sign-in?next=") and "%23add-entry" in location
    [draft] = _drafts(app)
    assert draft.user_id == mw.coordinator.id and draft.key == "entry-new"
    assert _events(app, AuditAction.MINUTE_DRAFT_KEPT_AFTER_SIGN_OUT)
    assert auth.client.get(mw.case_url()).status_code == 302  # really signed out
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MinuteEntry.id))) == 0

    sign_in_page = auth.client.get(location).get_data(as_text=True)
    assert "had not done anything for a while" in sign_in_page
    back = auth.client.post(
        location,
        data={
            "csrf_token": csrf_token(auth.client, location),
            "email": mw.coordinator.email,
            "password": "correct horse battery staple",
        },
    )
    assert back.status_code == 302
    assert back.headers["Location"] == f"{mw.case_url()}#add-entry"
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert NOTICE in page and "sister" in page


def test_signed_out_by_hand_keeps_nothing(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    token = csrf_token(auth.client, mw.case_url())
    with app.app_context():
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == mw.coordinator.id)
            .values(ended_at=utcnow(), end_reason="signed_out")
        )
        db.session.commit()
    late = auth.client.post(mw.case_url(), data={"csrf_token": token, **entry_data(mw, SECRET)})
    assert late.status_code == 302 and late.headers["Location"].startswith("/sign-in")
    assert _drafts(app) == []


def _expired_token(auth, mw: MinutesWorld, user) -> str:
    """A token of ``user``'s from a page shown before they signed out and in again: this
    app signed it for them, but it no longer matches their session (it expired)."""
    auth.sign_in_as(user)
    token = csrf_token(auth.client, mw.case_url())
    auth.sign_out()
    auth.sign_in_as(user)
    return token


def _forged_tokens(app: Flask, auth, mw: MinutesWorld) -> dict[str, str | None]:
    """Tokens that must keep nothing: missing, junk, signed with another key in this app's
    own format, signed for nobody (the sign-in page), and another person's real token."""
    other = app.test_client()
    other.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(other),
            "email": mw.other_coordinator.email,
            "password": "correct horse battery staple",
        },
    )
    wrong_key = URLSafeTimedSerializer("not-this-app", salt="wtf-csrf-token")
    return {
        "missing": None,
        "junk": "expired-token",
        "wrong key": wrong_key.dumps(f"u{mw.coordinator.id}.{'0' * 40}"),
        "anonymous": csrf_token(app.test_client(), "/sign-in"),
        "another person's": csrf_token(other, "/"),
    }


def test_expired_form_token_keeps_the_text_and_shows_the_form_again(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    token = _expired_token(auth, mw, mw.coordinator)
    expired = auth.client.post(mw.case_url(), data={"csrf_token": token, **entry_data(mw, SECRET)})
    assert expired.status_code == 302
    assert expired.headers["Location"] == f"{mw.case_url()}#add-entry"
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Your form expired, check and save again" in page
    assert NOTICE in page and "sister" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MinuteEntry.id))) == 0
    # Other forms keep today's error page.
    other = auth.client.post("/account/sign-out-other-sessions", data={"csrf_token": "x"})
    assert other.status_code == 400


def test_expired_token_in_place_save_answers_kept_json(app, auth, mw, open_gate) -> None:
    """live.mjs's save in place: 400 {kept: true}; reloading shows the message and the text."""
    open_gate()
    token = _expired_token(auth, mw, mw.coordinator)
    answer = auth.client.post(
        mw.case_url(),
        data={"csrf_token": token, **entry_data(mw, SECRET)},
        headers={"X-Requested-With": "fetch"},
    )
    assert answer.status_code == 400 and answer.json["kept"] is True
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Your form expired, check and save again" in page
    assert NOTICE in page and "sister" in page
    # drafts.mjs's own save with that token is kept too (a reload restores it).
    saved = _save(auth, mw, "action-new", {"description": SECRET}, token=token)
    assert saved.status_code == 400 and saved.json["kept"] is True
    assert {d.key for d in _drafts(app)} == {"entry-new", "action-new"}


def test_forged_or_missing_token_keeps_nothing(app, auth, mw, open_gate) -> None:
    open_gate()
    forged = _forged_tokens(app, auth, mw)
    auth.sign_in_as(mw.coordinator)
    for what, token in forged.items():
        data = {**entry_data(mw, SECRET), **({"csrf_token": token} if token else {})}
        refused = auth.client.post(mw.case_url(), data=data)
        assert refused.status_code == 400, what
        fetched = auth.client.post(mw.case_url(), data=data, headers={"X-Requested-With": "fetch"})
        assert fetched.status_code == 400 and fetched.json is None, what
        drafted = _save(auth, mw, "entry-new", {"text": SECRET}, token=token or "")
        assert drafted.status_code == 400 and drafted.json["kept"] is False, what
        assert _drafts(app) == [], what
    assert not _events(app, AuditAction.MINUTE_DRAFT_KEPT_AFTER_SIGN_OUT)
    page = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Your form expired" not in page and NOTICE not in page


def test_timed_out_post_needs_a_token_signed_for_that_person(app, auth, mw, open_gate) -> None:
    open_gate()
    forged = _forged_tokens(app, auth, mw)
    auth.sign_in_as(mw.coordinator)
    for what, token in forged.items():
        _age_session(app, mw.coordinator.id, last_seen_at=utcnow() - timedelta(minutes=31))
        data = {**entry_data(mw, SECRET), **({"csrf_token": token} if token else {})}
        late = auth.client.post(mw.case_url(), data=data)
        assert late.status_code == 400, what  # the usual CSRF refusal, nothing kept
        assert _drafts(app) == [], what
        auth.sign_in_as(mw.coordinator)
    # An expired token of theirs (an earlier session) is kept, after the timeout too.
    auth.sign_out()
    token = _expired_token(auth, mw, mw.coordinator)
    _age_session(app, mw.coordinator.id, last_seen_at=utcnow() - timedelta(minutes=31))
    late = auth.client.post(mw.case_url(), data={"csrf_token": token, **entry_data(mw, SECRET)})
    assert late.status_code == 302 and late.headers["Location"].startswith("/sign-in?next=")
    [draft] = _drafts(app)
    assert draft.user_id == mw.coordinator.id
    # And JSON for live.mjs: 401 with where to sign in.
    auth.sign_in_as(mw.coordinator)
    token = csrf_token(auth.client, mw.case_url())
    _age_session(app, mw.coordinator.id, last_seen_at=utcnow() - timedelta(minutes=31))
    fetched = auth.client.post(
        mw.case_url(),
        data={"csrf_token": token, **entry_data(mw, SECRET + " again")},
        headers={"X-Requested-With": "fetch"},
    )
    assert fetched.status_code == 401
    assert fetched.json["kept"] is True and fetched.json["signed_in"] is False
    assert fetched.json["sign_in"].startswith("/sign-in?next=")


def _draft_aged(app: Flask, mw: MinutesWorld, key: str, days: int) -> None:
    with app.app_context():
        draft = MinuteDraft(
            user_id=mw.coordinator.id, agenda_item_id=mw.item.id, key=key, body='{"text":"x"}'
        )
        db.session.add(draft)
        db.session.flush()
        # updated_at is set on every write: age it with a statement the ORM does not touch.
        db.session.execute(
            sa.update(MinuteDraft)
            .where(MinuteDraft.id == draft.id)
            .values(updated_at=utcnow() - timedelta(days=days))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def test_flask_retention_apply_purges_expired_drafts(app, mw) -> None:
    """Regression: the retention command (not only the job from the DPO's page) deletes drafts
    nobody came back to for 30 days."""
    _draft_aged(app, mw, "entry-new", 31)
    _draft_aged(app, mw, "action-new", 2)
    result = app.test_cli_runner().invoke(args=["retention", "--apply"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 unsaved draft(s)" in result.output
    assert [d.key for d in _drafts(app)] == ["action-new"]
    assert len(_events(app, AuditAction.MINUTE_DRAFTS_EXPIRED)) == 1


def test_drafts_not_updated_for_30_days_are_purged(app, mw) -> None:
    _draft_aged(app, mw, "entry-new", 31)
    _draft_aged(app, mw, "action-new", 29)
    with app.app_context():
        assert drafts.purge_expired() == 1
        db.session.commit()
        assert drafts.purge_expired() == 0
    assert [d.key for d in _drafts(app)] == ["action-new"]
    [event] = _events(app, AuditAction.MINUTE_DRAFTS_EXPIRED)
    assert event.detail == "drafts=1 older_than_days=30" and event.object_id is None


def test_the_retention_run_purges_expired_drafts(app, mw, make_user) -> None:
    _draft_aged(app, mw, "entry-new", 45)
    _draft_aged(app, mw, "risk-summary", 1)
    with app.app_context():
        owner = db.session.get(type(mw.chair), mw.chair.id)
        job = privacy_jobs.start_retention(utcnow().date(), [], owner=owner)
        db.session.commit()
        done = run_job(job.id)
        assert done is not None and done.status == "succeeded"
    assert [d.key for d in _drafts(app)] == ["risk-summary"]
    [event] = _events(app, AuditAction.MINUTE_DRAFTS_EXPIRED)
    assert event.actor_id == mw.chair.id and "drafts=1" in event.detail
