"""Co-ordination without a hearing (issue 14): the coordinator's triage of the list, a
co-ordinated case left out of the hearing and its timing, its page (research returns,
actions agreed with the owning agencies, the chair's sign-off), and its record in the
approval check, the minutes, the stamped PDF copy and the action extract, marked
"Co-ordinated (not heard at the meeting)"."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from marac_app.attendance import services as attendance
from marac_app.attendance import timing
from marac_app.audit import AuditEvent
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON, london_today
from marac_app.coordination import services
from marac_app.distribution import recipients
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.referrals.models import AgendaItem, CaseMode
from marac_app.reports.quarters import Quarter
from marac_app.reports.services import quarter_return
from tests.minutes.conftest import MinutesWorld, approval_data

MARK = "Co-ordinated (not heard at the meeting)"
REASON = "The agencies' returns show the plan already in place works"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _words(html: str) -> str:
    """A page's text without its tags, spaces flattened."""
    return _flat(re.sub(r"<[^>]+>", "", html))


def _triage_url(mw: MinutesWorld) -> str:
    return f"/coordination/meetings/{mw.meeting.id}/triage"


def _case_url(mw: MinutesWorld, case_id: int | None = None) -> str:
    return f"/coordination/meetings/{mw.meeting.id}/cases/{case_id or mw.case.id}"


def _item(app: Flask, item_id: int) -> AgendaItem:
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        assert item is not None
        db.session.expunge(item)
        return item


def _token(app: Flask, mw: MinutesWorld) -> str:
    with app.app_context():
        meeting = db.session.get(Meeting, mw.meeting.id)
        return services.versions_token(services.triage_list(meeting))


def _triage(auth, app, mw, modes: dict[int, str], token: str | None = None, **extra):
    data = {f"mode_{item_id}": mode for item_id, mode in modes.items()}
    data["versions"] = _token(app, mw) if token is None else token
    data.update(extra)
    return auth.post(_triage_url(mw), data, form_path="/")


def _coordinate_first(auth, app, mw) -> None:
    """The coordinator co-ordinates the first case; the second stays heard."""
    auth.sign_in_as(mw.coordinator)
    answer = _triage(auth, app, mw, {mw.item.id: "coordinated", mw.item2.id: "heard"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:800]
    auth.sign_out()


def _action_data(mw: MinutesWorld) -> dict[str, str]:
    due = london_today() + timedelta(days=14)
    return {
        "owner_agency": str(mw.police.id),
        "description": "Share the call log with the IDVA",
        "due_date-day": str(due.day),
        "due_date-month": str(due.month),
        "due_date-year": str(due.year),
        "priority": "high",
    }


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


# --- Triage ----------------------------------------------------------------------------


def test_only_the_areas_coordinator_triages(app, auth, mw) -> None:
    for user, status in (
        (mw.chair, 403),
        (mw.rep, 403),
        (mw.housing_rep, 403),
        (mw.other_coordinator, 404),
        (mw.other_chair, 403),
    ):
        auth.sign_in_as(user)
        assert auth.client.get(_triage_url(mw)).status_code == status, user.name
        answer = _triage(auth, app, mw, {mw.item.id: "coordinated", mw.item2.id: "heard"})
        assert answer.status_code == status, user.name
        auth.sign_out()
    assert _item(app, mw.item.id).mode == CaseMode.HEARD
    auth.sign_in_as(mw.coordinator)
    page = auth.client.get(_triage_url(mw))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert mw.case.reference in html and "Visible high risk" in html and "17" in html


def test_triage_saves_in_one_post_audited_and_a_stale_post_is_a_conflict(app, auth, mw) -> None:
    auth.sign_in_as(mw.coordinator)
    stale = _token(app, mw)
    answer = _triage(auth, app, mw, {mw.item.id: "coordinated", mw.item2.id: "heard"})
    assert answer.status_code == 302
    item = _item(app, mw.item.id)
    assert item.mode == CaseMode.COORDINATED
    assert item.closing_date == mw.meeting.starts_at.astimezone(LONDON).date()
    assert _item(app, mw.item2.id).mode == CaseMode.HEARD
    triaged = _events(app, "case_triaged")
    assert [e.object_id for e in triaged] == [str(mw.item.id)]
    assert "mode=coordinated" in (triaged[0].detail or "")

    # A page opened before that save: 409, the list as it is now, nothing changed.
    answer = _triage(auth, app, mw, {mw.item.id: "heard", mw.item2.id: "coordinated"}, stale)
    assert answer.status_code == 409
    assert "Someone changed the case list or its triage" in answer.get_data(as_text=True)
    assert _item(app, mw.item.id).mode == CaseMode.COORDINATED
    assert _item(app, mw.item2.id).mode == CaseMode.HEARD

    # A chosen closing date is kept.
    closing = london_today() + timedelta(days=3)
    answer = _triage(
        auth,
        app,
        mw,
        {mw.item.id: "coordinated", mw.item2.id: "heard"},
        **{
            f"closing_{mw.item.id}-day": str(closing.day),
            f"closing_{mw.item.id}-month": str(closing.month),
            f"closing_{mw.item.id}-year": str(closing.year),
        },
    )
    assert answer.status_code == 302
    assert _item(app, mw.item.id).closing_date == closing


def test_bulk_choices_for_the_whole_list(app, auth, mw) -> None:
    auth.sign_in_as(mw.coordinator)
    answer = _triage(auth, app, mw, {}, bulk="coordinate_all")
    assert answer.status_code == 302
    assert {_item(app, i).mode for i in (mw.item.id, mw.item2.id)} == {CaseMode.COORDINATED}
    answer = _triage(auth, app, mw, {}, bulk="coordinate_below", below="17")  # scores are 17
    assert answer.status_code == 302
    assert {_item(app, i).mode for i in (mw.item.id, mw.item2.id)} == {CaseMode.HEARD}
    answer = _triage(auth, app, mw, {}, bulk="coordinate_below", below="18")
    assert answer.status_code == 302
    assert {_item(app, i).mode for i in (mw.item.id, mw.item2.id)} == {CaseMode.COORDINATED}


@pytest.mark.parametrize(
    "extra",
    [
        {"bulk": "coordinate_below", "below": "xx"},
        {"bulk": "coordinate_below"},
        {"bulk": "no-such-choice"},
        {"mode_ITEM": "sideways"},
        {"closing_ITEM-day": "32", "closing_ITEM-month": "13", "closing_ITEM-year": "2026"},
        {"mode_ITEM": "coordinated\x00"},
        {"below": "9" * 400},
    ],
)
def test_bad_triage_input_is_a_4xx_and_changes_nothing(app, auth, mw, extra) -> None:
    auth.sign_in_as(mw.coordinator)
    data = {key.replace("ITEM", str(mw.item.id)): value for key, value in extra.items()}
    modes = {mw.item2.id: "coordinated"}
    if f"mode_{mw.item.id}" not in data:
        modes[mw.item.id] = "coordinated"
    answer = _triage(auth, app, mw, modes, **data)
    assert 400 <= answer.status_code < 500, answer.status_code
    assert _item(app, mw.item.id).mode == CaseMode.HEARD
    assert _item(app, mw.item2.id).mode == CaseMode.HEARD


def test_a_missing_choice_or_a_forged_version_is_refused(app, auth, mw) -> None:
    auth.sign_in_as(mw.coordinator)
    answer = _triage(auth, app, mw, {mw.item.id: "coordinated"})
    assert answer.status_code == 400
    assert f"Select heard or co-ordinated for case {mw.case2.reference}" in answer.get_data(
        as_text=True
    )
    for token in ("", "garbage", f"{mw.item.id}:1", "9" * 30 + ":1"):
        answer = _triage(auth, app, mw, {mw.item.id: "coordinated", mw.item2.id: "heard"}, token)
        assert answer.status_code == 409, token
    assert _item(app, mw.item.id).mode == CaseMode.HEARD


# --- Not heard at the table ------------------------------------------------------------


def test_a_coordinated_case_is_not_in_the_timing_or_the_hearing(app, auth, mw, open_gate) -> None:
    open_gate()
    _coordinate_first(auth, app, mw)
    with app.app_context():
        meeting = db.session.get(Meeting, mw.meeting.id)
        items = attendance.case_list(meeting)
        sheet = timing.run_sheet(meeting, items)
        assert [row.case_id for row in sheet.rows] == [mw.case2.id]
        assert [item.case_id for item in sheet.coordinated] == [mw.case.id]
        assert sheet.waiting == 1
        assert sheet.remaining_seconds == meeting.area.case_target_minutes * 60
        chair = db.session.get(User, mw.chair.id)
        item = db.session.get(AgendaItem, mw.item.id)
        with pytest.raises(ServiceError, match="co-ordinated"):
            timing.start_hearing(meeting, item, actor=chair)
        db.session.rollback()
    auth.sign_in_as(mw.chair)
    page = auth.client.get(f"/meetings/{mw.meeting.id}/run")
    html = _flat(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "To be heard" in html and "Co-ordinated cases (not heard at the meeting)" in html
    assert "Not yet signed off" in html
    assert "1 case waiting" in html
    refused = auth.post(f"/meetings/{mw.meeting.id}/run/{mw.item.id}/start", {}, form_path="/")
    assert refused.status_code == 400
    assert _item(app, mw.item.id).hearing_started_at is None


# --- The case page and the sign-off ----------------------------------------------------


def test_the_case_page_is_for_the_areas_chair_and_coordinator(app, auth, mw) -> None:
    _coordinate_first(auth, app, mw)
    for user, status in (
        (mw.rep, 404),
        (mw.housing_rep, 404),
        (mw.other_chair, 404),
        (mw.other_coordinator, 404),
    ):
        auth.sign_in_as(user)
        assert auth.client.get(_case_url(mw)).status_code == status, user.name
        auth.sign_out()
    auth.sign_in_as(mw.coordinator)
    page = auth.client.get(_case_url(mw))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert MARK in html and "Research returns" in html and "Agree an action" in html
    assert "Sign off the case record" not in html  # the chair signs off
    # A heard case goes to its live case page.
    heard = auth.client.get(_case_url(mw, mw.case2.id))
    assert heard.status_code == 302
    assert heard.headers["Location"].endswith(
        f"/minutes/meetings/{mw.meeting.id}/cases/{mw.case2.id}"
    )
    events = _events(app, "coordinated_case_viewed")
    assert events and events[-1].object_id == str(mw.case.id)


def test_sign_off_needs_the_chair_and_an_action_or_a_reason(app, auth, mw) -> None:
    _coordinate_first(auth, app, mw)
    sign_off = f"{_case_url(mw)}/sign-off"
    auth.sign_in_as(mw.coordinator)
    assert auth.post(sign_off, {"no_actions_reason": REASON}, form_path="/").status_code == 403
    auth.sign_out()
    auth.sign_in_as(mw.chair)
    refused = auth.post(sign_off, {"no_actions_reason": "  "}, form_path="/")
    assert refused.status_code == 400
    assert services.NO_ACTIONS_OR_REASON in _flat(refused.get_data(as_text=True))
    assert not _item(app, mw.item.id).is_signed_off
    too_long = auth.post(sign_off, {"no_actions_reason": "x" * 2001}, form_path="/")
    assert too_long.status_code == 400 and "x" * 2001 in too_long.get_data(as_text=True)

    done = auth.post(sign_off, {"no_actions_reason": REASON}, form_path="/")
    assert done.status_code == 302
    item = _item(app, mw.item.id)
    assert item.is_signed_off and item.signed_off_by_id == mw.chair.id
    assert item.no_actions_reason == REASON
    event = _events(app, "coordinated_case_signed_off")[-1]
    assert REASON not in (event.detail or "")
    # Signed off: no second sign-off, no more actions; the case list and run page say so.
    again = auth.post(sign_off, {"no_actions_reason": REASON}, form_path="/")
    assert again.status_code == 400
    late = auth.post(f"{_case_url(mw)}/actions", _action_data(mw), form_path="/")
    assert late.status_code == 400 and services.ALREADY_SIGNED_OFF in late.get_data(as_text=True)
    run = _words(auth.client.get(f"/meetings/{mw.meeting.id}/run").get_data(as_text=True))
    assert "Signed off by Charlie Chair" in run
    auth.sign_out()
    auth.sign_in_as(mw.coordinator)
    listing = auth.client.get(f"/cases/meetings/{mw.meeting.id}/case-list")
    assert "Co-ordinated, signed off" in _flat(listing.get_data(as_text=True))


def test_an_action_agreed_on_the_page_is_enough_to_sign_off(app, auth, mw) -> None:
    _coordinate_first(auth, app, mw)
    auth.sign_in_as(mw.coordinator)
    bad = dict(_action_data(mw), **{"due_date-year": "1999"})
    refused = auth.post(f"{_case_url(mw)}/actions", bad, form_path="/")
    assert refused.status_code == 400
    added = auth.post(f"{_case_url(mw)}/actions", _action_data(mw), form_path="/")
    assert added.status_code == 302
    auth.sign_out()
    auth.sign_in_as(mw.chair)
    assert auth.post(f"{_case_url(mw)}/sign-off", {}, form_path="/").status_code == 302
    assert _item(app, mw.item.id).is_signed_off
    # An action cannot be agreed this way for a heard case.
    heard = auth.post(f"{_case_url(mw, mw.case2.id)}/actions", _action_data(mw), form_path="/")
    assert heard.status_code == 400 and services.NOT_COORDINATED in heard.get_data(as_text=True)


# --- Approval and the minutes ----------------------------------------------------------


def test_the_approval_check_names_a_coordinated_case_not_signed_off(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    _coordinate_first(auth, app, mw)
    auth.sign_in_as(mw.chair)
    check = _flat(
        auth.client.get(f"/minutes/meetings/{mw.meeting.id}/approve").get_data(as_text=True)
    )
    row = re.search(rf'id="check-{mw.case.id}".*?</tr>', check).group(0)
    assert "Incomplete" in row and "Not yet signed off by the chair" in row and MARK in row
    assert (
        auth.post(
            f"{_case_url(mw)}/sign-off", {"no_actions_reason": REASON}, form_path="/"
        ).status_code
        == 302
    )
    check = _flat(
        auth.client.get(f"/minutes/meetings/{mw.meeting.id}/approve").get_data(as_text=True)
    )
    row = re.search(rf'id="check-{mw.case.id}".*?</tr>', check).group(0)
    assert "Complete" in row and "Incomplete" not in row
    # Only the heard case needs a reason now.
    assert f'name="reason_{mw.item.id}"' not in check and f'name="reason_{mw.item2.id}"' in check


def test_the_record_is_in_the_minutes_the_stamped_copy_and_the_extract(
    app, auth, mw, open_gate
) -> None:
    open_gate()
    _coordinate_first(auth, app, mw)
    auth.sign_in_as(mw.coordinator)
    assert auth.post(f"{_case_url(mw)}/actions", _action_data(mw), form_path="/").status_code == 302
    auth.sign_out()
    auth.sign_in_as(mw.chair)
    assert auth.post(f"{_case_url(mw)}/sign-off", {}, form_path="/").status_code == 302
    approve = f"/minutes/meetings/{mw.meeting.id}/approve"
    assert auth.post(approve, approval_data(app, mw.meeting.id), form_path="/").status_code == 302
    signed_on = _item(app, mw.item.id).signed_off_at.astimezone(LONDON)
    day = f"{signed_on.day} {signed_on:%B %Y}"

    view = _flat(auth.client.get(f"/minutes/meetings/{mw.meeting.id}/view").get_data(as_text=True))
    section = re.search(rf'id="case-{mw.case.id}".*?</section>', view).group(0)
    assert MARK in section and f"Signed off by Charlie Chair on {day}" in section
    assert "Share the call log with the IDVA" in section
    heard = re.search(rf'id="case-{mw.case2.id}".*?</section>', view).group(0)
    assert MARK not in heard

    with app.app_context():
        meeting = db.session.get(Meeting, mw.meeting.id)
        chair = db.session.get(User, mw.chair.id)
        _copy, pdf = recipients.issue_minutes_copy(meeting, chair, actor=chair, ip="127.0.0.1")
        rep = db.session.get(User, mw.rep.id)
        police = mw.police
        _extract, extract_pdf = recipients.issue_action_extract(
            meeting, db.session.merge(police), rep, actor=rep, ip="127.0.0.1"
        )
        db.session.commit()
    text = _flat(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    assert f"{MARK}. Signed off by Charlie Chair on {day}." in text
    assert text.count(MARK) >= 1
    extract = _flat(
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(extract_pdf)).pages)
    )
    assert mw.case.reference in extract and "Co-ordinated" in extract

    # Approved: the triage and the sign-off can no longer change.
    auth.sign_out()
    auth.sign_in_as(mw.coordinator)
    refused = _triage(auth, app, mw, {mw.item.id: "heard", mw.item2.id: "heard"})
    assert refused.status_code == 409
    assert _item(app, mw.item.id).mode == CaseMode.COORDINATED
    page = auth.client.get(_triage_url(mw))
    assert page.status_code == 200 and 'id="approved"' in page.get_data(as_text=True)


def test_sign_off_is_refused_after_approval(app, auth, mw, open_gate) -> None:
    open_gate()
    _coordinate_first(auth, app, mw)
    auth.sign_in_as(mw.chair)
    approve = f"/minutes/meetings/{mw.meeting.id}/approve"
    assert auth.post(approve, approval_data(app, mw.meeting.id), form_path="/").status_code == 302
    refused = auth.post(f"{_case_url(mw)}/sign-off", {"no_actions_reason": REASON}, form_path="/")
    assert refused.status_code == 409
    assert not _item(app, mw.item.id).is_signed_off
    action = auth.post(f"{_case_url(mw)}/actions", _action_data(mw), form_path="/")
    assert action.status_code == 409


def test_the_data_return_counts_a_coordinated_case_once(app, auth, mw) -> None:
    _coordinate_first(auth, app, mw)
    with app.app_context():
        meeting = db.session.get(Meeting, mw.meeting.id)
        day = meeting.starts_at.astimezone(LONDON).date()
        rows = [
            r
            for r in quarter_return(mw.area.id, Quarter.containing(day))
            if r.meeting_id == meeting.id
        ]
    assert [row.cases_discussed for row in rows] == [2]


def test_bulk_modes_leave_cases_without_a_score_alone(app, mw) -> None:
    with app.app_context():
        item = db.session.get(AgendaItem, mw.item.id)
        item.referral.dash_score = None
        db.session.flush()
        modes = services.bulk_modes([item], services.Bulk.COORDINATE_BELOW, 14)
        assert modes == {item.id: None}
        with pytest.raises(ServiceError):
            services.bulk_modes([item], services.Bulk.COORDINATE_BELOW, 30)
        db.session.rollback()
    assert date.today()  # keeps the import honest on both databases


def test_the_case_page_shows_the_agencies_research_returns(app, auth, mw) -> None:
    from marac_app.db import utcnow
    from marac_app.minutes.models import EntryKind, Subject
    from marac_app.research.models import ResearchReturn, ResearchReturnItem

    _coordinate_first(auth, app, mw)
    with app.app_context():
        returned = ResearchReturn(
            agenda_item_id=mw.item.id,
            agency_id=mw.police.id,
            submitted_at=utcnow(),
            submitted_by_id=mw.rep.id,
            withheld="An open investigation",
        )
        returned.items = [
            ResearchReturnItem(
                position=0,
                subject=Subject.VICTIM,
                kind=EntryKind.FACT,
                text_html="<p>Two call-outs in March</p>",
            )
        ]
        db.session.add(returned)
        db.session.add(
            ResearchReturn(
                agenda_item_id=mw.item.id,
                agency_id=mw.housing.id,
                submitted_at=utcnow(),
                submitted_by_id=mw.housing_rep.id,
                nothing_held=True,
            )
        )
        db.session.commit()
    auth.sign_in_as(mw.chair)
    html = _words(auth.client.get(_case_url(mw)).get_data(as_text=True))
    assert "Two call-outs in March" in html
    assert "Nothing held" in html
    assert "Held but not shared, and why: An open investigation" in html
