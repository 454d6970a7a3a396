"""Writing a return, the deadline and reopening, conflicts, and bad input."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from marac_app.audit import AuditEvent
from marac_app.extensions import db
from marac_app.research.models import ResearchReturn
from tests.conftest import Auth
from tests.research.conftest import (
    WITHHELD,
    ResearchWorld,
    move_meeting,
    return_data,
    submit_return,
)

FACT = ("victim", "fact", "<p>Police attended the address on 3 January.</p>")
OPINION = ("perpetrator", "professional_opinion", "<p>Escalating <script>x()</script>control</p>")


def _returns(app: Flask) -> list[ResearchReturn]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ResearchReturn)))


def test_a_rep_returns_facts_and_opinion_sanitised_and_audited(
    app: Flask, auth: Auth, rw: ResearchWorld
) -> None:
    auth.sign_in_as(rw.police_rep)
    page = auth.client.get(rw.edit_url())
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert rw.case.reference in body and "Vee Alias" in body  # what to search for
    assert "SECRET-ADDRESS" not in body
    response = auth.post(rw.edit_url(), return_data(FACT, OPINION, withheld=WITHHELD))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (saved,) = _returns(app)
    with app.app_context():
        saved = db.session.get(ResearchReturn, saved.id)
        assert saved.agency_id == rw.police.id and saved.is_submitted
        assert [(i.subject.value, i.kind.value) for i in saved.items] == [
            ("victim", "fact"),
            ("perpetrator", "professional_opinion"),
        ]
        assert "<script>" not in saved.items[1].text_html
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "research_return_saved")
        )
        assert event is not None and "WITHHELD" not in (event.detail or "")
        assert "attended" not in (event.detail or "")
    matrix = auth.client.get(rw.returns_url()).get_data(as_text=True)
    assert "Returned" in matrix


def test_nothing_held_is_exclusive_with_information(
    app: Flask, auth: Auth, rw: ResearchWorld
) -> None:
    auth.sign_in_as(rw.housing_rep)
    refused = auth.post(rw.edit_url(), return_data(FACT, nothing_held=True))
    assert refused.status_code == 400
    assert "holds nothing" in refused.get_data(as_text=True)
    assert "Police attended the address" in refused.get_data(as_text=True)  # re-shown
    assert _returns(app) == []
    empty = auth.post(rw.edit_url(), return_data())
    assert empty.status_code == 400 and _returns(app) == []
    ok = auth.post(rw.edit_url(), return_data(nothing_held=True))
    assert ok.status_code == 302
    (saved,) = _returns(app)
    assert saved.nothing_held


def test_a_stale_save_is_a_conflict_showing_both(app: Flask, auth: Auth, rw: ResearchWorld) -> None:
    submit_return(auth, rw, rw.police_rep, return_data(FACT))
    (saved,) = _returns(app)
    auth.sign_in_as(rw.police_rep)
    fresh = auth.post(rw.edit_url(), return_data(OPINION, version=str(saved.version)))
    assert fresh.status_code == 302
    stale = auth.post(
        rw.edit_url(),
        return_data(
            ("child_or_vulnerable_adult", "fact", "<p>MINE</p>"), version=str(saved.version)
        ),
    )
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "MINE" in body and "Escalating" in body  # yours in the form, theirs above


def test_after_the_deadline_only_a_reopened_return_can_be_made(
    app: Flask, auth: Auth, rw: ResearchWorld
) -> None:
    move_meeting(app, rw.meeting, days=0.5)  # the deadline (2 working days before) has passed
    auth.sign_in_as(rw.police_rep)
    refused = auth.post(rw.edit_url(), return_data(FACT))
    assert refused.status_code == 400
    assert "deadline" in refused.get_data(as_text=True)
    assert _returns(app) == []
    auth.sign_out()
    # The chair may not reopen; the coordinator may (audited).
    reopen = f"{rw.view_url(rw.police)}/reopen"
    auth.sign_in_as(rw.chair)
    assert auth.post(reopen, {}, form_path=rw.returns_url()).status_code == 404
    auth.sign_out()
    auth.sign_in_as(rw.coordinator)
    matrix = auth.client.get(rw.returns_url()).get_data(as_text=True)
    assert "Not yet returned" in matrix and "Reopen" in matrix
    assert auth.post(reopen, {}, form_path=rw.returns_url()).status_code == 302
    auth.sign_out()
    ok = submit_return(
        auth, rw, rw.police_rep, return_data(FACT, version=str(_returns(app)[0].version))
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)[:1500]
    # Submitting closes it again: a change is refused.
    (saved,) = _returns(app)
    assert saved.is_submitted and saved.reopened_at is None
    again = submit_return(auth, rw, rw.police_rep, return_data(OPINION, version=str(saved.version)))
    assert again.status_code == 400
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"research_return_reopened", "research_return_saved"} <= actions


def test_another_housing_rep_not_invited_cannot_write(auth: Auth, rw: ResearchWorld) -> None:
    auth.sign_in_as(rw.uninvited_rep)
    assert auth.client.get(rw.edit_url()).status_code == 404
    assert auth.client.get(rw.returns_url()).status_code == 404


def test_bad_input_is_4xx_never_500(app: Flask, auth: Auth, rw: ResearchWorld) -> None:
    auth.sign_in_as(rw.police_rep)
    bad = [
        return_data(("nobody", "fact", "x")),
        return_data(("victim", "victims_view", "x")),
        return_data(("victim", "fact", "x" * 20_000)),
        return_data(("victim", "fact", "bad\x00nul")),
        return_data(FACT, version="99999999999999999999999"),
        return_data(FACT, version="-1"),
        {**return_data(FACT), "item_99_text": "x", "item_99_subject": "victim"},
        return_data(("victim", "fact", "<p></p>")),
        return_data(withheld="y" * 6000),
    ]
    for data in bad:
        response = auth.post(rw.edit_url(), data)
        assert 400 <= response.status_code < 500, (data, response.status_code)
    assert _returns(app) == []
    for path in (
        f"/research/meetings/{rw.meeting.id}/cases/99999999999999999999/return",
        f"/research/meetings/18446744073709551616/cases/{rw.case.id}/return",
        f"/research/meetings/{rw.meeting.id}/cases/{rw.case.id}/agencies/0",
        "/research/meetings/abc",
    ):
        assert auth.client.get(path).status_code == 404, path
    response = auth.client.post(
        rw.edit_url(), data=b"\xff\xfe\x00garbage", content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= response.status_code < 500
