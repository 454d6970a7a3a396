"""The live case page without reloading (issue 13): in-place saves answer a fragment of the
page's live regions (errors and conflicts too, the user's text kept), the background poll
answers 304 with no audit event while nothing changed and is not activity for the idle
timeout, the same permissions as the page (404), sticky choices without JavaScript, and the
repeat-case panel."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem, ActionPriority
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role, User, UserSession
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.minutes import services
from marac_app.minutes.models import MinuteEntry, RiskSummary
from marac_app.referrals import restriction
from marac_app.referrals.models import AgendaItem, Case
from tests.minutes.conftest import MinutesWorld, entry_data
from tests.performance.conftest import counting

FETCH = {"X-Requested-With": "fetch"}
ETAG_RE = re.compile(r'data-live-etag="([0-9a-f]+)"')
POLL_RE = re.compile(r'data-live-poll-url="([^"]+)"')


def _post(auth, path: str, data: dict, *, fetch: bool = True):
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', auth.client.get("/").get_data(as_text=True)
    )
    assert token
    return auth.client.post(
        path, data={"csrf_token": token.group(1), **data}, headers=FETCH if fetch else {}
    )


def _events(app: Flask, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(db.session.scalars(query))


def _poll_target(auth, mw: MinutesWorld) -> tuple[str, str]:
    html = auth.client.get(mw.case_url()).get_data(as_text=True)
    url, etag = POLL_RE.search(html), ETAG_RE.search(html)
    assert url and etag, "the live page carries its poll URL and live-state ETag"
    return url.group(1).replace("&amp;", "&"), etag.group(1)


def _add_as(app: Flask, mw: MinutesWorld, user: User, text: str) -> None:
    with app.app_context():
        item = db.session.get(AgendaItem, mw.item.id)
        services.add_entry(
            item,
            subject="victim",
            kind="fact",
            source_agency=mw.police,
            text=text,
            actor=db.session.get(User, user.id),
        )
        db.session.commit()


def test_adding_an_entry_in_place_answers_the_regions_with_choices_kept(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    auth.sign_in_as(mw.coordinator)
    response = _post(
        auth,
        mw.case_url(),
        entry_data(
            mw, "Police attended twice.", kind="professional_opinion", subject="perpetrator"
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-live-fragment" in html and "<html" not in html
    assert 'id="live-entries"' in html and "Police attended twice." in html
    assert 'id="live-entry-form"' in html and 'data-live-announce="Entry added"' in html
    assert "Professional opinion about the perpetrator added." in html
    # The next entry starts with the same subject, kind and agency; the text is empty.
    assert re.search(r'value="perpetrator"\s+checked', html)
    assert re.search(r'value="professional_opinion"\s+checked', html)
    assert re.search(rf'value="{mw.police.id}"\s+selected', html)
    assert re.search(r'<textarea[^>]*name="text"[^>]*>\s*</textarea>', html)
    [entry] = _events(app, "minute_entry_created")
    assert entry.actor_id == mw.coordinator.id
    # The fragment is an audited read of the case, ids only.
    read = _events(app, "minutes_case_viewed")[-1]
    assert "fragment=entry_form+entries" in (read.detail or "")
    assert "Police" not in (read.detail or "")


def test_a_refused_entry_shows_the_error_summary_in_the_fragment_with_the_text(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    words = "She said <b>he</b> has a key & keeps coming back"
    response = _post(auth, mw.case_url(), {"text": words, "source_agency": str(mw.police.id)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "data-live-fragment" in html and 'data-live-status="refused"' in html
    assert "govuk-error-summary" in html and "Select who the information is about" in html
    assert "She said &lt;b&gt;he&lt;/b&gt; has a key &amp; keeps coming back" in html
    with app.app_context():
        assert db.session.scalars(sa.select(MinuteEntry)).all() == []


def test_risk_summary_in_place_and_a_stale_save_keeps_both_texts(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    first = _post(auth, mw.case_url() + "/risk-summary", {"harm_identified": "Threats to kill."})
    assert first.status_code == 200
    assert 'data-live-announce="Risk summary saved"' in first.get_data(as_text=True)
    with app.app_context():
        summary = db.session.scalars(sa.select(RiskSummary)).one()
        summary.harm_identified = "<p>Theirs: strangulation.</p>"
        db.session.commit()
    stale = _post(
        auth,
        mw.case_url() + "/risk-summary",
        {"version": "1", "harm_identified": "Mine: stalking after separation."},
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'id="risk-theirs"' in html and "Theirs: strangulation." in html
    assert "Mine: stalking after separation." in html
    assert "govuk-error-summary" in html


def test_an_action_in_place_and_a_past_date_refused_on_its_field(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    due = london_today() + timedelta(days=7)
    data = {
        "owner_agency": str(mw.housing.id),
        "description": "Fit a door chain",
        "due_date-day": str(due.day),
        "due_date-month": str(due.month),
        "due_date-year": str(due.year),
        "priority": "high",
    }
    saved = _post(auth, mw.case_url() + "/actions", data)
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert 'id="live-actions"' in html and "Fit a door chain" in html
    assert f"Action added for {mw.housing.name}." in html
    past = london_today() - timedelta(days=1)
    refused = _post(
        auth,
        mw.case_url() + "/actions",
        {
            **data,
            "description": "Keep this text",
            "due_date-day": str(past.day),
            "due_date-month": str(past.month),
            "due_date-year": str(past.year),
        },
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "data-live-fragment" in html and "govuk-error-summary" in html
    assert "Keep this text" in html and 'href="#due_date"' in html
    with app.app_context():
        assert len(db.session.scalars(sa.select(ActionItem)).all()) == 1


def test_editing_in_place_and_a_conflict_keeps_both_texts(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    _add_as(app, mw, mw.chair, "The original words.")
    [entry] = _entries(app)
    url = f"/minutes/meetings/{mw.meeting.id}/entries/{entry.id}/edit"
    form = auth.client.get(url, headers=FETCH)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'id="live-entry-edit"' in html and "The original words." in html
    # Its fields have ids of their own: the (hidden) entry form is still on the page.
    assert 'id="edit-text"' in html and 'name="text"' in html
    assert "<html" not in html
    data = entry_data(mw, "Corrected words.") | {"version": str(entry.version)}
    saved = _post(auth, url, data)
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert 'id="live-entries"' in html and "Corrected words." in html
    assert 'data-live-announce="Entry saved"' in html
    stale = _post(auth, url, entry_data(mw, "My late edit.") | {"version": str(entry.version)})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'id="their-text"' in html and "Corrected words." in html and "My late edit." in html


def _entries(app: Flask) -> list[MinuteEntry]:
    with app.app_context():
        return list(db.session.scalars(sa.select(MinuteEntry).order_by(MinuteEntry.id)))


def test_an_unchanged_poll_is_304_with_no_body_and_no_audit_then_changes_arrive(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    url, etag = _poll_target(auth, mw)
    before = len(_events(app))
    idle = auth.client.get(url, headers={**FETCH, "If-None-Match": f'"{etag}"'})
    assert idle.status_code == 304 and idle.get_data() == b""
    assert idle.headers["ETag"] == f'"{etag}"'
    assert len(_events(app)) == before, "an idle poll writes no audit event"

    _add_as(app, mw, mw.coordinator, "Entry from the minute-taker.")
    changed = auth.client.get(url, headers={**FETCH, "If-None-Match": f'"{etag}"'})
    assert changed.status_code == 200
    html = changed.get_data(as_text=True)
    assert "Entry from the minute-taker." in html and 'data-by="Cora Coord"' in html
    for region in ("live-entries", "live-risk", "live-actions"):
        assert f'id="{region}"' in html
    assert 'id="live-entry-form"' not in html, "the poll never replaces the entry form"
    new_etag = changed.headers["ETag"].strip('"')
    assert new_etag != etag and f'data-live-etag="{new_etag}"' in html
    read = _events(app, "minutes_case_viewed")[-1]
    assert read.object_id == str(mw.case.id) or read.object_id == mw.case.id
    assert "poll" in (read.detail or "")
    again = auth.client.get(url, headers={**FETCH, "If-None-Match": f'"{new_etag}"'})
    assert again.status_code == 304


def test_the_poll_is_not_activity_for_the_idle_timeout(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    url, etag = _poll_target(auth, mw)
    long_ago = utcnow() - timedelta(minutes=10)

    def age_session() -> None:
        with app.app_context():
            for row in db.session.scalars(
                sa.select(UserSession).where(UserSession.user_id == mw.chair.id)
            ):
                row.last_seen_at = long_ago
            db.session.commit()

    def last_seen() -> list:
        with app.app_context():
            return [
                row.last_seen_at
                for row in db.session.scalars(
                    sa.select(UserSession).where(
                        UserSession.user_id == mw.chair.id, UserSession.ended_at.is_(None)
                    )
                )
            ]

    age_session()
    for headers in ({**FETCH, "If-None-Match": f'"{etag}"'}, FETCH):
        assert auth.client.get(url, headers=headers).status_code in (200, 304)
        assert last_seen() == [long_ago]
    auth.client.get(mw.case_url())
    assert last_seen() != [long_ago], "a real page view is activity"


def test_the_poll_is_404_for_other_areas_and_agencies(app, auth, mw, open_gate, make_user) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    url, _etag = _poll_target(auth, mw)
    auth.sign_out()
    housing_coordinator = make_user(Role.COORDINATOR, agency=mw.housing)  # no area
    for who in (mw.other_chair, mw.other_coordinator, mw.rep, mw.housing_rep, housing_coordinator):
        auth.sign_in_as(who)
        response = auth.client.get(url, headers=FETCH)
        assert response.status_code == 404, who.email
        assert "Vera Victim" not in response.get_data(as_text=True)
        auth.sign_out()
    # Another meeting's id with this case: 404 too.
    auth.sign_in_as(mw.chair)
    other = url.replace(f"/meetings/{mw.meeting.id}/", "/meetings/999999/")
    assert auth.client.get(other, headers=FETCH).status_code == 404


def test_without_javascript_the_choices_stay_selected_after_a_save(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    saved = _post(
        auth, mw.case_url(), entry_data(mw, "A fact.", subject="perpetrator"), fetch=False
    )
    assert saved.status_code == 302
    location = saved.headers["Location"]
    assert "entry_subject=perpetrator" in location and "entry_kind=fact" in location
    assert "A fact" not in location, "no text in the address"
    html = auth.client.get(location).get_data(as_text=True)
    assert re.search(r'value="perpetrator"\s+checked', html)
    assert re.search(rf'value="{mw.police.id}"\s+selected', html)
    assert "fact about the perpetrator added" in html.lower()
    # Nonsense in the address is ignored.
    odd = auth.client.get(mw.case_url() + "?entry_subject=x&entry_kind=y&entry_agency=99999")
    assert odd.status_code == 200


def test_the_repeat_panel_shows_the_previous_hearing(
    app, auth, mw, open_gate, make_meeting
) -> None:
    earlier = make_meeting(mw.area, days=-28, chair=mw.chair)
    with app.app_context():
        previous = AgendaItem(meeting_id=earlier.id, case_id=mw.case.id, position=1)
        db.session.add(previous)
        db.session.flush()
        db.session.add(
            RiskSummary(
                agenda_item_id=previous.id,
                harm_identified="<p>Earlier harm: threats with a knife.</p>",
                author_id=mw.chair.id,
            )
        )
        db.session.add(
            ActionItem(
                case_id=mw.case.id,
                agenda_item_id=previous.id,
                meeting_id=earlier.id,
                owner_agency_id=mw.housing.id,
                description="Earlier action: change the locks",
                due_date=london_today() - timedelta(days=3),
                priority=ActionPriority.HIGH,
                created_by_id=mw.chair.id,
            )
        )
        db.session.commit()
        previous_id = previous.id
    open_gate()
    auth.sign_in_as(mw.chair)
    html = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert "Repeat case" in html and 'id="last-heard"' in html
    assert "Earlier harm: threats with a knife." in html
    assert "Earlier action: change the locks" in html
    read = _events(app, "minutes_case_viewed")[-1]
    assert f"previous_item={previous_id}" in (read.detail or "")
    # The second case was never heard before.
    second = auth.client.get(mw.case_url(mw.case2)).get_data(as_text=True)
    assert "First hearing" in second and "Earlier harm" not in second


def test_while_the_gate_is_closed_the_poll_answers_nothing(app, auth, mw) -> None:
    auth.sign_in_as(mw.chair)
    html = auth.client.get(mw.case_url()).get_data(as_text=True)
    assert 'id="gate-problems"' in html and "data-live-poll-url" not in html
    url = mw.case_url() + "/live"
    before = len(_events(app))
    response = auth.client.get(url, headers=FETCH)
    assert response.status_code == 204 and response.get_data() == b""
    assert len(_events(app)) == before


def test_an_idle_poll_is_two_statements_and_still_sees_a_restriction(
    app, auth, mw, open_gate
) -> None:
    """The idle poll (bench/live_minutes.py, target p95 <= 5 ms) reads the session with its
    user in one statement and the state, the meeting, the case and its restriction in another;
    the restriction check that follows uses the value read with the state, in that
    transaction only: a case restricted since is 404 to the chair on the next poll."""
    open_gate()
    auth.sign_in_as(mw.chair)
    url, etag = _poll_target(auth, mw)
    headers = {**FETCH, "If-None-Match": f'"{etag}"'}
    with counting() as statements:
        idle = auth.client.get(url, headers=headers)
    assert idle.status_code == 304
    reads = [s for s in statements if "SAVEPOINT" not in s]  # the test's own transaction
    assert len(reads) == 2, reads
    with app.app_context():
        case = db.session.get(Case, mw.case.id)
        assert case is not None
        restriction.restrict(case, "Subject asked to restrict processing", actor=None)
        db.session.commit()
    refused = auth.client.get(url, headers=headers)
    assert refused.status_code == 404
    assert "Vera Victim" not in refused.get_data(as_text=True)
