"""Pages for the draft circulated for accuracy comments (marac_app/minutes/circulation.py).

- ``/meetings/<id>/circulation``: the chair or the coordinator sends the draft to the people
  present with a closing time, sees who it went to, and reads the comments (audited).
- ``/meetings/<id>/draft``: a person present who was sent the draft reads it and comments
  while the circulation is open (audited); afterwards the page says it has closed and shows
  no case data. The area's chair and coordinator may open it to see what recipients see.

Registered on the minutes blueprint by ``register(bp)`` (called from minutes/views.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.action_items.services import actions_agreed_at_by_case
from marac_app.attendance.services import case_list, gate_problems
from marac_app.audit_actions import AuditAction
from marac_app.common.time import LONDON, london_today
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.meetings.models import Meeting
from marac_app.minutes import approval, circulation, services
from marac_app.minutes.builder import deferrals_of
from marac_app.minutes.forms import CirculateForm, DraftCommentForm
from marac_app.minutes.models import RISK_FIELDS
from marac_app.minutes.permissions import (
    can_read_minutes,
    can_write_entries,
    get_draft_meeting_or_404,
    get_minutes_meeting_or_404,
)
from marac_app.permissions import deny, signed_in
from marac_app.referrals.models import AgendaItem


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/circulation",
        endpoint="circulation",
        view_func=circulation_page,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/meetings/<int:meeting_id>/draft",
        endpoint="draft_review",
        view_func=draft_review,
        methods=["GET", "POST"],
    )


def minutes_cases(meeting: Meeting, items: list[AgendaItem] | None = None) -> list[dict[str, Any]]:
    """What the minutes say for each case of the list: grouped entries, the risk summary,
    the actions agreed and the approval reason (templates/minutes/_minutes_cases.html)."""
    items = case_list(meeting) if items is None else items
    agreed = actions_agreed_at_by_case(meeting)
    reasons = approval.reasons_of(meeting)
    return [
        {
            "item": item,
            "groups": services.grouped_entries(services.entries_of(item)),
            "summary": services.risk_summary_of(item),
            "actions": agreed.get(item.case_id, []),
            "reason": reasons.get(item.id),
        }
        for item in items
    ]


# --- The chair's and coordinator's page ------------------------------------------------


def _closing_time(form: CirculateForm) -> datetime | None:
    if form.until_date.data is None or form.until_time.data is None:
        return None
    return datetime.combine(form.until_date.data, form.until_time.data, tzinfo=LONDON)


@signed_in
def circulation_page(meeting_id: int) -> ResponseReturnValue:
    meeting = get_minutes_meeting_or_404(meeting_id, current_user)
    if not can_write_entries(current_user, meeting):
        deny(
            f"minutes_circulation:meeting={meeting.id}",
            status=403,
            object_type="meeting",
            object_id=meeting.id,
        )
    form = CirculateForm()
    status = 200
    if not form.is_submitted():
        form.until_date.set_date(london_today() + timedelta(days=3))
        form.until_time.data = time(17, 0)
    if form.is_submitted():
        if form.validate_on_submit():
            done = attempt(
                lambda: circulation.circulate(
                    meeting,
                    comments_until=_closing_time(form),
                    actor=current_user,
                    base_url=current_app.config["PUBLIC_BASE_URL"],
                ),
                form,
                aliases={"comments_until": "until_date"},
            )
            if done.value is not None:
                flash(
                    f"The draft minutes have been sent to {len(done.value.recipients)} "
                    f"{'person' if len(done.value.recipients) == 1 else 'people'} for comments."
                )
                return redirect(url_for("minutes.circulation", meeting_id=meeting.id))
            status = done.status
        else:
            status = 400
    comments = circulation.comments_of(meeting)
    current = circulation.current_circulation(meeting)
    read = Read(
        AuditAction.MINUTES_DRAFT_COMMENTS_VIEWED,
        object_type="meeting",
        object_id=meeting.id,
        case_ids=sorted({c.agenda_item.case_id for c in comments if c.agenda_item}),
        detail=f"comments={len(comments)}",
    )
    return render_read(
        "minutes/circulation.html",
        audit=read,
        status=status,
        meeting=meeting,
        form=form,
        circulation=current,
        circulation_open=circulation.is_open(current),
        eligible=circulation.eligible_recipients(meeting),
        comments=comments,
        approval=services.approval_of(meeting),
        problems=gate_problems(meeting),
    )


# --- The recipients' page ----------------------------------------------------------------


def _comment_form(items: list[AgendaItem], formdata: Any = None) -> DraftCommentForm:
    form = DraftCommentForm(formdata=formdata)
    form.case.choices = [SelectChoice("", "The minutes as a whole")] + [
        SelectChoice(item.id, f"Case {item.case.reference}") for item in items
    ]
    return form


@signed_in
def draft_review(meeting_id: int) -> ResponseReturnValue:
    meeting = get_draft_meeting_or_404(meeting_id, current_user)
    current = circulation.current_circulation(meeting)
    approved = services.approval_of(meeting)
    is_open = circulation.is_open(current) and approved is None
    oversees = can_read_minutes(current_user, meeting)
    if not is_open and not oversees:
        # Closed: say so, and show nothing of the cases.
        html = render_template(
            "minutes/draft_closed.html", meeting=meeting, circulation=current, approval=approved
        )
        return html, 409 if request.method == "POST" else 200
    items = case_list(meeting)
    may_comment = is_open and circulation.review_problem(meeting, current_user) is None
    form = _comment_form(items, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not may_comment:
            form.form_errors.append(
                "Only the people the draft was sent to can comment. Read their comments on "
                "the circulation page"
            )
            status = 400
        elif form.validate_on_submit():
            done = attempt(
                lambda: circulation.add_comment(
                    meeting,
                    author=current_user,
                    agenda_item_id=form.case.data,
                    text=form.text.data,
                ),
                form,
            )
            if done:
                flash("Thank you. Your comment has been sent to the chair and the coordinator.")
                return redirect(url_for("minutes.draft_review", meeting_id=meeting.id))
            status = done.status
        else:
            status = 400
    deferrals = deferrals_of(meeting, items)
    read = Read(
        AuditAction.MINUTES_DRAFT_REVIEWED,
        object_type="meeting",
        object_id=meeting.id,
        case_ids=[item.case_id for item in items]
        + [d.case_id for d in deferrals if d.case_id is not None],
        detail=f"circulation={current.id if current else 'none'} cases={len(items)} "
        f"deferred={len(deferrals)}",
    )
    return render_read(
        "minutes/draft.html",
        audit=read,
        status=status,
        meeting=meeting,
        cases=minutes_cases(meeting, items),
        deferrals=deferrals,
        circulation=current,
        circulation_open=is_open,
        form=form,
        can_comment=may_comment,
        own_comments=circulation.comments_by(meeting, current_user),
        oversees=oversees,
        approval=approved,
        risk_fields=RISK_FIELDS,
    )
