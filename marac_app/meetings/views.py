"""Pages for meetings: list, schedule (one-off, emergency, series), edit, cancel, invite,
calendar downloads, the personal calendar feed and the development outbox."""

from __future__ import annotations

import math
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.agencies.models import MaracArea
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.pagination import page_number
from marac_app.common.time import LONDON
from marac_app.common.transaction import Read, attempt, audit_read, commit_only, render_read
from marac_app.extensions import db
from marac_app.meetings import account_invitations, feeds, reminders, series, services
from marac_app.meetings import outbox as outbox_store
from marac_app.meetings.forms import (
    CancelMeetingForm,
    ConfirmForm,
    EditMeetingForm,
    InviteForm,
    MeetingForm,
    NewMeetingForm,
    NewPersonForm,
    ReminderForm,
)
from marac_app.meetings.ical import meeting_to_ical, meetings_feed
from marac_app.meetings.models import Meeting, MeetingKind
from marac_app.meetings.permissions import (
    can_manage_meeting,
    can_schedule_meetings,
    can_see_invitations,
    get_invitation_of_meeting_or_404,
    get_meeting_or_404,
    get_meeting_to_manage_or_404,
)
from marac_app.meetings.recurrence import Recurrence, RepeatKind, describe_rrule
from marac_app.meetings.slots import series_slots
from marac_app.permissions import public, roles_required, signed_in
from marac_app.protocol.services import signup_problem

bp = Blueprint("meetings", __name__)

coordinator_only = roles_required(Role.COORDINATOR)
meeting_roles = roles_required(Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP)
PER_PAGE = 20


@bp.app_context_processor
def _meeting_helpers() -> dict[str, object]:
    def upcoming_meetings(limit: int = 3) -> list[Meeting]:
        if not current_user.is_authenticated:
            return []
        return services.next_meetings(current_user, limit)

    return {"upcoming_meetings": upcoming_meetings, "can_manage_meeting": can_manage_meeting}


def _status() -> int:
    return 400 if request.method == "POST" else 200


def _managed_meeting(meeting_id: int) -> Meeting:
    return get_meeting_to_manage_or_404(meeting_id, current_user)


def _own_area() -> MaracArea:
    area = db.session.get(MaracArea, current_user.area_id) if current_user.area_id else None
    if area is None:
        abort(404)
    return area


def _chair_choices(form: MeetingForm, area_id: int) -> None:
    form.chair.choices = [SelectChoice(None, "Not chosen yet")] + [
        SelectChoice(chair.id, chair.name) for chair in services.chairs_of_area(area_id)
    ]


def _details(form: MeetingForm) -> services.MeetingDetails:
    return services.MeetingDetails(
        day=form.day.data,
        start=form.start_time.data,
        end=form.end_time.data,
        venue=form.venue.data or None,
        online_link=form.online_link.data or None,
        chair_id=form.chair.data,
        kind=MeetingKind.EMERGENCY if form.emergency.data else MeetingKind.REGULAR,
    )


# --- Lists ----------------------------------------------------------------------------


@bp.route("/")
@meeting_roles
def index() -> ResponseReturnValue:
    show = "past" if request.args.get("show") == "past" else "upcoming"
    page = page_number(request.args.get("page", 1))
    meetings, total = services.list_meetings(
        current_user, upcoming=show == "upcoming", page=page, per_page=PER_PAGE
    )
    return render_read(
        "meetings/index.html",
        audit=Read(
            AuditAction.MEETING_LIST_VIEWED,
            object_type="meeting",
            detail=f"{show} rows={len(meetings)}",
        ),
        meetings=meetings,
        show=show,
        page=page,
        pages=max(1, math.ceil(total / PER_PAGE)),
        total=total,
        can_schedule=can_schedule_meetings(current_user),
    )


# --- Scheduling ------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@coordinator_only
def new() -> ResponseReturnValue:
    area = _own_area()
    form = NewMeetingForm()
    _chair_choices(form, area.id)
    if request.method == "GET":
        form.day.data = services.tomorrow()
        form.start_time.data, form.end_time.data = services.default_times()
    if form.validate_on_submit():
        details = _details(form)

        def schedule() -> tuple[str, int]:
            """The flash message and the meeting to show next."""
            repeat = RepeatKind(form.repeat.data)
            if repeat is RepeatKind.NONE:
                meeting = services.create_meeting(area, details, actor=current_user)
                return "The meeting has been scheduled.", meeting.id
            recurrence = Recurrence(
                kind=repeat,
                weekday=form.weekday.data or 0,
                interval_weeks=form.interval_weeks.data or 1,
                nth=form.nth.data or 1,
                count=form.count.data,
                until=form.until.data,
            )
            _series, meetings = services.create_series(
                area, details, recurrence, actor=current_user
            )
            return (
                f"{len(meetings)} meetings have been scheduled ({recurrence.describe()}).",
                meetings[0].id,
            )

        scheduled = attempt(schedule, form)
        if scheduled and scheduled.value is not None:
            message, target = scheduled.value
            flash(message)
            return redirect(url_for("meetings.view", meeting_id=target))
    return render_template("meetings/form.html", form=form, meeting=None, area=area), _status()


@bp.route("/<int:meeting_id>")
@meeting_roles
def view(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_or_404(meeting_id, current_user)
    manage = can_manage_meeting(current_user, meeting)
    return render_read(
        "meetings/view.html",
        audit=Read(AuditAction.MEETING_VIEWED, object_type="meeting", object_id=meeting.id),
        meeting=meeting,
        key_dates=services.key_dates(meeting),
        invitations=services.live_invitations(meeting)
        if can_see_invitations(current_user, meeting)
        else [],
        manage=manage,
        series_text=describe_rrule(meeting.series.rrule) if meeting.series else None,
        series_link=meeting.series is not None and can_see_invitations(current_user, meeting),
        confirm=ConfirmForm(),
    )


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@coordinator_only
def edit(meeting_id: int) -> ResponseReturnValue:
    meeting = _managed_meeting(meeting_id)
    if meeting.is_cancelled:
        flash("A cancelled meeting cannot be changed.", "error")
        return redirect(url_for("meetings.view", meeting_id=meeting.id))
    form = EditMeetingForm()
    _chair_choices(form, meeting.area_id)
    if request.method == "GET":
        starts, ends = meeting.starts_at.astimezone(LONDON), meeting.ends_at.astimezone(LONDON)
        form.day.data, form.start_time.data, form.end_time.data = (
            starts.date(),
            starts.time(),
            ends.time(),
        )
        form.venue.data, form.online_link.data = meeting.venue, meeting.online_link
        form.chair.data = meeting.chair_id
        form.emergency.data = meeting.kind == MeetingKind.EMERGENCY
        form.version.data = str(meeting.version)
        audit_read(
            Read(
                AuditAction.MEETING_VIEWED,
                object_type="meeting",
                object_id=meeting.id,
                detail="edit",
            )
        )
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = 0
        updated = attempt(
            lambda: services.update_meeting(
                meeting,
                _details(form),
                version=version,
                actor=current_user,
                whole_series=form.scope.data == "future",
            ),
            form,
        )
        if updated.conflict:
            fresh = get_meeting_or_404(meeting_id, current_user)
            form.version.data = str(fresh.version)
            return render_template(
                "meetings/form.html", form=form, meeting=fresh, area=fresh.area, current=fresh
            ), 409
        if updated:
            changed = updated.value
            flash(
                "No changes were made."
                if not changed
                else f"{len(changed)} meeting{'s' if len(changed) != 1 else ''} updated. "
                "Invited people have been sent the new details."
            )
            return redirect(url_for("meetings.view", meeting_id=meeting.id))
    return render_template(
        "meetings/form.html", form=form, meeting=meeting, area=meeting.area
    ), _status()


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
@coordinator_only
def cancel(meeting_id: int) -> ResponseReturnValue:
    meeting = _managed_meeting(meeting_id)
    form = CancelMeetingForm()
    if request.method == "GET":
        form.version.data = str(meeting.version)
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = 0
        cancelled = attempt(
            lambda: services.cancel_meeting(
                meeting, form.reason.data, version=version, actor=current_user
            ),
            form,
        )
        if cancelled.conflict:
            fresh = get_meeting_or_404(meeting_id, current_user)
            form.version.data = str(fresh.version)
            return render_template(
                "meetings/cancel.html", form=form, meeting=fresh, current=fresh
            ), 409
        if cancelled:
            flash("The meeting has been cancelled. Invited people have been told.")
            return redirect(url_for("meetings.view", meeting_id=meeting.id))
    return render_template("meetings/cancel.html", form=form, meeting=meeting), _status()


# --- Invitations ---------------------------------------------------------------------------


@bp.route("/<int:meeting_id>/invitations", methods=["GET", "POST"])
@coordinator_only
def invite(meeting_id: int) -> ResponseReturnValue:
    meeting = _managed_meeting(meeting_id)
    form = InviteForm()
    candidates, problems = _candidates(meeting)
    if form.validate_on_submit():
        picked = [i if i is not None else 0 for i in form.people.data]
        sent = attempt(lambda: services.invite(meeting, picked, actor=current_user), form)
        if sent and sent.value is not None:
            invited = sent.value
            flash(
                f"{len(invited)} {'person has' if len(invited) == 1 else 'people have'} "
                "been invited and emailed the meeting details."
            )
            return redirect(url_for("meetings.view", meeting_id=meeting.id))
    if request.method == "GET":
        audit_read(
            Read(
                AuditAction.MEETING_VIEWED,
                object_type="meeting",
                object_id=meeting.id,
                detail="invitations",
            )
        )
    return render_template(
        "meetings/invite.html",
        form=form,
        meeting=meeting,
        candidates=candidates,
        problems=problems,
        new_person=_new_person_form(meeting, formdata=None),
    ), _status()


def _candidates(meeting: Meeting) -> tuple[list[User], dict[int, str | None]]:
    """The people not yet invited who may be picked, and why each may not (not signed up)."""
    invited_ids = {i.user_id for i in services.live_invitations(meeting)}
    candidates = [
        person for person in services.invitation_candidates(meeting) if person.id not in invited_ids
    ]
    return candidates, {person.id: signup_problem(person.agency) for person in candidates}


def _new_person_form(meeting: Meeting, **kwargs: object) -> NewPersonForm:
    form = NewPersonForm(**kwargs)
    form.agency.choices = [SelectChoice("", "Select an agency")] + [
        SelectChoice(agency.id, agency.name) for agency in account_invitations.agencies_for(meeting)
    ]
    return form


@bp.route("/<int:meeting_id>/invitations/new-person", methods=["GET", "POST"])
@coordinator_only
def invite_new_person(meeting_id: int) -> ResponseReturnValue:
    """The "Invite someone without an account" form of the invitations page (a GET goes
    back to that page)."""
    meeting = _managed_meeting(meeting_id)
    if request.method == "GET":
        return redirect(url_for("meetings.invite", meeting_id=meeting.id))
    new_person = _new_person_form(meeting)
    if new_person.validate_on_submit():
        person = account_invitations.NewPerson(
            name=new_person.name.data,
            email=new_person.email.data,
            agency_id=new_person.agency.data,
            job_title=new_person.job_title.data or "",
        )
        sent = attempt(
            lambda: account_invitations.invite_new_person(meeting, person, actor=current_user),
            new_person,
            aliases={"area": "agency", "people": "agency"},
        )
        if sent:
            flash(
                f"An account has been made for {person.name}. They have been emailed a link "
                "to set their password and the meeting details."
            )
            return redirect(url_for("meetings.view", meeting_id=meeting.id))
    candidates, problems = _candidates(meeting)
    return render_template(
        "meetings/invite.html",
        form=InviteForm(formdata=None),
        meeting=meeting,
        candidates=candidates,
        problems=problems,
        new_person=new_person,
    ), 400


@bp.route("/<int:meeting_id>/series")
@roles_required(Role.COORDINATOR, Role.CHAIR)
def series_page(meeting_id: int) -> ResponseReturnValue:
    """The series ``meeting`` belongs to: its rule and every meeting of it (404 for a meeting
    outside any series)."""
    meeting = get_meeting_or_404(meeting_id, current_user)
    if meeting.series is None or not can_see_invitations(current_user, meeting):
        abort(404)
    return render_read(
        "meetings/series.html",
        audit=Read(
            AuditAction.MEETING_SERIES_VIEWED,
            object_type="meeting_series",
            object_id=meeting.series.id,
        ),
        meeting=meeting,
        slots=series_slots(meeting.series),
        future=len(series.future_slots(meeting.series)),
        series_text=describe_rrule(meeting.series.rrule),
        manage=can_manage_meeting(current_user, meeting),
    )


@bp.route("/<int:meeting_id>/series/invitations", methods=["GET", "POST"])
@coordinator_only
def invite_series(meeting_id: int) -> ResponseReturnValue:
    """Invite people to every future meeting of the series, with the choices and checks of
    the meeting invitation page."""
    meeting = _managed_meeting(meeting_id)
    the_series = meeting.series
    if the_series is None:
        abort(404)
    form = InviteForm()
    candidates = series.series_candidates(the_series)
    problems = {person.id: signup_problem(person.agency) for person in candidates}
    if form.validate_on_submit():
        picked = [i if i is not None else 0 for i in form.people.data]
        sent = attempt(lambda: series.invite_series(the_series, picked, actor=current_user), form)
        if sent and sent.value is not None:
            done = sent.value
            people = len(done.emailed)
            flash(
                f"{people} {'person has' if people == 1 else 'people have'} been invited to "
                f"{done.meetings} future meetings of the series and emailed one calendar "
                "invitation for the series."
            )
            return redirect(url_for("meetings.series_page", meeting_id=meeting.id))
    if request.method == "GET":
        audit_read(
            Read(
                AuditAction.MEETING_SERIES_VIEWED,
                object_type="meeting_series",
                object_id=the_series.id,
                detail="invitations",
            )
        )
    return render_template(
        "meetings/invite.html",
        form=form,
        meeting=meeting,
        candidates=candidates,
        problems=problems,
        whole_series=True,
        future=len(series.future_slots(the_series)),
    ), _status()


@bp.route("/<int:meeting_id>/invitations/<int:invitation_id>/remove", methods=["POST"])
@coordinator_only
def remove_invitation(meeting_id: int, invitation_id: int) -> ResponseReturnValue:
    meeting = _managed_meeting(meeting_id)
    invitation = get_invitation_of_meeting_or_404(invitation_id, meeting)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("meetings.view", meeting_id=meeting.id))
    revoked = attempt(lambda: services.revoke_invitation(invitation, actor=current_user))
    if revoked.error is not None:
        flash(revoked.error.message, "error")
        return redirect(url_for("meetings.view", meeting_id=meeting.id))
    flash("The invitation has been removed and the person has been told.")
    return redirect(url_for("meetings.view", meeting_id=meeting.id))


# --- Calendars -----------------------------------------------------------------------------


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:meeting_id>/calendar.ics")
@signed_in
def calendar(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_or_404(meeting_id, current_user)
    audit_read(
        Read(AuditAction.MEETING_CALENDAR_DOWNLOADED, object_type="meeting", object_id=meeting.id)
    )
    body = meeting_to_ical(meeting, "PUBLISH", [], organizer=current_app.config["MAIL_FROM"])
    return _ics_response(body, f"marac-meeting-{meeting.id}.ics")


@bp.route("/calendar-subscription", methods=["GET", "POST"])
@meeting_roles
def subscription() -> ResponseReturnValue:
    form = ConfirmForm()
    feed_url = None
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            attempt(lambda: feeds.revoke_tokens(current_user, actor=current_user))
            flash("Your calendar subscription address has been turned off.")
            return redirect(url_for("meetings.subscription"))
        token = attempt(lambda: feeds.issue_token(current_user, actor=current_user)).value
        # Shown once, in this response only: never flashed, logged or stored in clear.
        feed_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
            "meetings.feed", token=token
        )
    return render_template(
        "meetings/subscription.html",
        form=form,
        feed_url=feed_url,
        active=feeds.active_token(current_user),
    )


@bp.route("/calendar-reminder", methods=["GET", "POST"])
@meeting_roles
def reminder() -> ResponseReturnValue:
    """The person's own reminder on their invitations and calendar feed."""
    form = ReminderForm()
    if request.method == "POST":
        if form.validate_on_submit():
            saved = attempt(
                lambda: reminders.set_reminder(current_user, form.minutes.data, actor=current_user),
                form,
            )
            if saved:
                flash(
                    "Your calendar reminder has been saved. It is on the invitations you are "
                    "sent from now on and in your calendar subscription."
                )
                return redirect(url_for("meetings.reminder"))
        return render_template("meetings/reminder.html", form=form), 400
    form.minutes.data = reminders.minutes_for(current_user) or 0
    return render_template("meetings/reminder.html", form=form)


@bp.route("/feed/<token>.ics")
@public  # calendar programs cannot sign in: the secret token in the address decides
def feed(token: str) -> ResponseReturnValue:
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    meetings = feeds.feed_meetings(user)
    record(
        AuditAction.CALENDAR_FEED_READ,
        actor=user,
        object_type="user",
        object_id=user.id,
        detail=f"meetings={len(meetings)}",
    )
    commit_only()
    body = meetings_feed(
        meetings,
        name="MARAC meetings",
        organizer=current_app.config["MAIL_FROM"],
        alarm_minutes=reminders.minutes_for(user),
    )
    response = _ics_response(body, "marac-meetings.ics")
    response.headers["Content-Disposition"] = 'inline; filename="marac-meetings.ics"'
    return response


# --- Development outbox ---------------------------------------------------------------------


def _outbox_folder() -> Path:
    if current_app.config.get("SMTP_HOST"):
        abort(404)  # real mail is being sent: there is no outbox to show
    return Path(current_app.config["OUTBOX_DIR"])


def _area_meeting_ids() -> set[int]:
    return set(
        db.session.scalars(sa.select(Meeting.id).where(Meeting.area_id == current_user.area_id))
    )


@bp.route("/outbox")
@coordinator_only
def outbox() -> ResponseReturnValue:
    messages = outbox_store.list_messages(_outbox_folder(), _area_meeting_ids())
    return render_read(
        "meetings/outbox.html",
        audit=Read(AuditAction.OUTBOX_VIEWED, object_type="outbox", detail=f"rows={len(messages)}"),
        messages=messages,
    )


@bp.route("/outbox/<name>")
@coordinator_only
def outbox_message(name: str) -> ResponseReturnValue:
    item = outbox_store.get_message(_outbox_folder(), name, _area_meeting_ids())
    if item is None:
        abort(404)
    return render_read(
        "meetings/outbox_message.html",
        audit=Read(
            AuditAction.OUTBOX_MESSAGE_VIEWED, object_type="meeting", object_id=item.meeting_id
        ),
        item=item,
    )
