"""Pages for referrals, cases and case lists. Mounted at /cases.

Thin views: validate → one service → commit once → redirect. Every read of personal data
and every change is audited in the same transaction.
"""

from __future__ import annotations

from typing import Any

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
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from marac_app.agencies.models import Agency, agency_areas
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.errors import ServiceError
from marac_app.common.pagination import page_number, paginate
from marac_app.common.transaction import Read, attempt, audit_read, render_read
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.meetings.permissions import can_view_meeting, get_meeting_or_404
from marac_app.meetings.services import key_dates
from marac_app.permissions import deny, roles_required
from marac_app.referrals import services
from marac_app.referrals.exports import format_dob, research_list_csv
from marac_app.referrals.forms import (
    AllocateForm,
    ConfirmForm,
    MoveForm,
    ReferralForm,
    RepeatDecisionForm,
    referral_form_class,
)
from marac_app.referrals.models import (
    AgendaItem,
    Case,
    CaseStatus,
    Criterion,
    PreviousMarac,
    Referral,
)
from marac_app.referrals.people import (
    CHOICE_LABELS,
    Disability,
    Ethnicity,
    Gender,
    Person,
    PersonRole,
    Sexuality,
    normalise_name,
)
from marac_app.referrals.permissions import (
    can_manage_cases,
    can_record_referral,
    can_see_full_contact_details,
    can_see_meeting_case_list,
    get_agenda_item_to_manage_or_404,
    get_case_or_404,
    get_meeting_case_list_or_404,
    get_meeting_to_allocate_or_404,
    get_referral_to_manage_or_404,
    visible_cases_query,
)

bp = Blueprint("referrals", __name__)

PAGE_SIZE = 25
case_roles = roles_required(Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP)
area_roles = roles_required(Role.COORDINATOR, Role.CHAIR)
coordinator_only = roles_required(Role.COORDINATOR)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _read_page(template: str, *, audit: Read, status: int = 200, **context: Any) -> Response:
    """``render_read`` for a page of personal data that no cache may keep."""
    html, code = render_read(template, audit=audit, status=status, **context)
    return _no_store(Response(html, status=code))


def _page(template: str, *, status: int = 200, **context: Any) -> Response:
    return _no_store(Response(render_template(template, **context), status=status))


# --- Case list (all cases) and case page ----------------------------------------------------


@bp.route("/")
@case_roles
def index() -> ResponseReturnValue:
    search = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    page = page_number(request.args.get("page", "1"))
    query = visible_cases_query(current_user)
    if status in {s.value for s in CaseStatus}:
        query = query.where(Case.status == CaseStatus(status))
    if search:
        victim_cases = (
            sa.select(Referral.case_id)
            .join(Person, Person.referral_id == Referral.id)
            .where(
                Person.role == PersonRole.VICTIM,
                Person.normalised_name.contains(normalise_name(search), autoescape=True),
            )
        )
        query = query.where(
            sa.or_(
                Case.reference.contains(search.upper(), autoescape=True), Case.id.in_(victim_cases)
            )
        )
    listed = paginate(
        query.options(selectinload(Case.referrals).selectinload(Referral.people)).order_by(
            Case.created_at.desc(), Case.id.desc()
        ),
        page=page,
        per_page=PAGE_SIZE,
    )
    cases = list(listed.items)
    total = listed.total or 0
    return _read_page(
        "referrals/index.html",
        audit=Read(
            AuditAction.CASE_LIST_VIEWED,
            object_type="case",
            case_ids=[c.id for c in cases],
            detail=f"rows={len(cases)} total={total} search={'yes' if search else 'no'} "
            f"status={status or 'any'} page={page}",
        ),
        cases=cases,
        search=search,
        status_filter=status,
        page=page,
        pages=max(1, listed.pages),
        total=total,
        statuses=list(CaseStatus),
        can_refer=can_record_referral(current_user),
    )


@bp.route("/<int:case_id>")
@case_roles
def case(case_id: int) -> ResponseReturnValue:
    found = get_case_or_404(case_id, current_user)
    window = services.repeat_window_days()
    items = sorted(
        (i for i in _agenda_items(found) if can_view_meeting(current_user, i.meeting)),
        key=lambda i: i.meeting.starts_at,
    )
    return _read_page(
        "referrals/case.html",
        audit=Read(
            AuditAction.CASE_VIEWED, object_type="case", object_id=found.id, case_ids=[found.id]
        ),
        case=found,
        window=window,
        expires_on=found.repeat_flag_expires_on(window),
        agenda_items=items,
        full_details=can_see_full_contact_details(current_user, found),
        can_edit=can_manage_cases(current_user, found.area_id),
        labels=CHOICE_LABELS,
        format_dob=format_dob,
    )


def _agenda_items(case: Case) -> list[AgendaItem]:
    return list(db.session.scalars(sa.select(AgendaItem).where(AgendaItem.case_id == case.id)))


# --- New referral ---------------------------------------------------------------------------


def _agency_choices(area_id: int | None) -> list[SelectChoice]:
    agencies = db.session.scalars(
        sa.select(Agency)
        .join(agency_areas, agency_areas.c.agency_id == Agency.id)
        .where(agency_areas.c.area_id == area_id, Agency.active.is_(True))
        .order_by(Agency.name)
    )
    return [SelectChoice("", "Select an agency")] + [
        SelectChoice(str(a.id), a.name) for a in agencies
    ]


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _enum_or_none(enum_class: type, value: str | None) -> Any:
    return enum_class(value) if value else None


def _details(form: ReferralForm) -> services.ReferralDetails:
    victim = services.PersonDetails(
        full_name=form.victim_name.data,
        date_of_birth=form.victim_date_of_birth.data,
        aliases=form.victim_aliases.data or None,
        gender=_enum_or_none(Gender, form.victim_gender.data),
        address=form.victim_address.data or None,
        safe_phone=form.victim_phone.data or None,
        safe_email=form.victim_email.data or None,
        safe_to_call=_yes_no(form.safe_to_call.data),
        safe_to_text=_yes_no(form.safe_to_text.data),
        safe_to_email=_yes_no(form.safe_to_email.data),
        sexuality=_enum_or_none(Sexuality, form.victim_sexuality.data),
        ethnicity=_enum_or_none(Ethnicity, form.victim_ethnicity.data),
        disability=_enum_or_none(Disability, form.victim_disability.data),
        language=form.victim_language.data or None,
        interpreter_needed=_yes_no(form.interpreter_needed.data),
    )
    perpetrators = [
        services.PersonDetails(
            full_name=sub.full_name.data,
            date_of_birth=sub.date_of_birth.data,
            aliases=sub.aliases.data or None,
            relationship_to_victim=sub.relationship_to_victim.data or None,
            gender=_enum_or_none(Gender, sub.gender.data),
        )
        for sub in (entry.form for entry in form.perpetrators.entries)
        if sub.full_name.data
    ]
    children: list[services.PersonDetails] = []
    adults: list[services.PersonDetails] = []
    for sub in (entry.form for entry in form.household.entries):
        if not sub.full_name.data:
            continue
        person = services.PersonDetails(
            full_name=sub.full_name.data,
            date_of_birth=sub.date_of_birth.data,
            relationship_to_victim=sub.relationship_to_victim.data or None,
            lives_in_household=_yes_no(sub.lives_in_household.data),
        )
        (adults if sub.kind.data == "vulnerable_adult" else children).append(person)
    incidents = form.escalation_incidents.data
    return services.ReferralDetails(
        referring_agency_id=int(form.referring_agency.data),
        referrer_name=form.referrer_name.data,
        referrer_role=form.referrer_role.data or None,
        referred_on=form.referred_on.required_date,
        criterion=Criterion(form.criterion.data),
        victim=victim,
        reasons=form.reasons.data or None,
        escalation_incidents=int(incidents) if incidents else None,
        dash_answers=form.dash_answers(),
        perpetrators=perpetrators,
        children=children,
        vulnerable_adults=adults,
        linked_case_reference=form.linked_case_reference.data or None,
        previous_marac=_enum_or_none(PreviousMarac, form.previous_marac.data),
        previous_marac_where=form.previous_marac_where.data or None,
        previous_marac_on=form.previous_marac_on.data,
        previous_marac_month_only=form.previous_marac_on.month_only,
        address_change_reason=form.address_change_reason.data or None,
    )


@bp.route("/new", methods=["GET", "POST"])
@coordinator_only
def new_referral() -> ResponseReturnValue:
    area = current_user.area
    if area is None:
        deny("referral:no_area", object_type="referral")
    try:
        checklist = services.active_checklist()
    except ServiceError:
        abort(503)
    form = referral_form_class(checklist.questions)()
    form.referring_agency.choices = _agency_choices(area.id)
    if form.validate_on_submit():
        # The agency must be one taking part in this area's MARAC.
        if form.referring_agency.data not in {
            c.value for c in form.referring_agency.choices if c.value
        }:
            form.referring_agency.errors = ["Select the referring agency from the list"]
        else:
            saved = attempt(
                lambda: services.create_referral(
                    area=area, details=_details(form), actor=current_user
                ),
                form,
            )
            if saved and saved.value is not None:
                referral = saved.value
                if referral.case is None:
                    flash(
                        "The referral has been saved. It may be a repeat referral: confirm "
                        "whether it belongs to the earlier case."
                    )
                    return redirect(url_for("referrals.repeat_decision", referral_id=referral.id))
                flash(f"The referral has been saved as case {referral.case.reference}.")
                return redirect(url_for("referrals.case", case_id=referral.case_id))
    config = current_app.config
    return _page(
        "referrals/referral_form.html",
        status=400 if request.method == "POST" else 200,
        form=form,
        checklist=checklist,
        escalation_incidents=config["ESCALATION_INCIDENTS"],
        escalation_months=config["ESCALATION_WINDOW_MONTHS"],
        window=services.repeat_window_days(),
    )


def _yes_no_value(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _fill_form(form: ReferralForm, referral: Referral) -> None:
    """Show the saved referral in the form (GET of the edit page)."""
    form.version.data = str(referral.version)
    form.referring_agency.data = str(referral.referring_agency_id)
    form.referrer_name.data = referral.referrer_name
    form.referrer_role.data = referral.referrer_role
    form.referred_on.set_date(referral.referred_on)
    form.criterion.data = referral.criterion.value
    form.reasons.data = referral.reasons
    form.escalation_incidents.data = (
        str(referral.escalation_incidents) if referral.escalation_incidents is not None else ""
    )
    form.previous_marac.data = referral.previous_marac.value if referral.previous_marac else ""
    form.previous_marac_where.data = referral.previous_marac_where
    form.previous_marac_on.set_date(referral.previous_marac_on)
    if referral.previous_marac_on is not None and referral.previous_marac_month_only:
        form.previous_marac_on.parts["day"] = ""
    for number, answer in (referral.dash_answers or {}).items():
        field = getattr(form, f"dash_{number}", None)
        if field is not None:
            field.data = answer
    victim = referral.victim
    if victim is not None:
        form.victim_name.data = victim.full_name
        form.victim_aliases.data = victim.aliases
        form.victim_date_of_birth.set_date(victim.date_of_birth)
        form.victim_address.data = victim.address
        form.victim_phone.data = victim.safe_phone
        form.victim_email.data = victim.safe_email
        form.safe_to_call.data = _yes_no_value(victim.safe_to_call)
        form.safe_to_text.data = _yes_no_value(victim.safe_to_text)
        form.safe_to_email.data = _yes_no_value(victim.safe_to_email)
        form.victim_gender.data = victim.gender.value if victim.gender else ""
        form.victim_sexuality.data = victim.sexuality.value if victim.sexuality else ""
        form.victim_ethnicity.data = victim.ethnicity.value if victim.ethnicity else ""
        form.victim_disability.data = victim.disability.value if victim.disability else ""
        form.victim_language.data = victim.language
        form.interpreter_needed.data = _yes_no_value(victim.interpreter_needed)
    for entry, person in zip(form.perpetrators.entries, referral.perpetrators, strict=False):
        sub = entry.form
        sub.full_name.data, sub.aliases.data = person.full_name, person.aliases
        sub.date_of_birth.set_date(person.date_of_birth)
        sub.relationship_to_victim.data = person.relationship_to_victim
        sub.gender.data = person.gender.value if person.gender else ""
    for entry, person in zip(form.household.entries, referral.household, strict=False):
        sub = entry.form
        sub.full_name.data = person.full_name
        sub.date_of_birth.set_date(person.date_of_birth)
        sub.kind.data = person.role.value
        sub.relationship_to_victim.data = person.relationship_to_victim
        sub.lives_in_household.data = _yes_no_value(person.lives_in_household)


@bp.route("/referrals/<int:referral_id>/edit", methods=["GET", "POST"])
@coordinator_only
def edit_referral(referral_id: int) -> ResponseReturnValue:
    referral = get_referral_to_manage_or_404(referral_id, current_user)
    checklist = referral.checklist_version or services.active_checklist()
    form = referral_form_class(checklist.questions)()
    form.referring_agency.choices = _agency_choices(referral.area_id)
    status, current = 200, None
    if request.method == "GET":
        _fill_form(form, referral)
        audit_read(_referral_read(referral))
    elif form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = 0
        saved = attempt(
            lambda: services.update_referral(
                referral, _details(form), version=version, actor=current_user
            ),
            form,
        )
        status = saved.status
        if saved.conflict:
            current = get_referral_to_manage_or_404(referral_id, current_user)
            form.version.data = str(current.version)
        elif saved:
            flash("The referral has been saved.")
            if referral.case_id is None:
                return redirect(url_for("referrals.repeat_decision", referral_id=referral.id))
            return redirect(url_for("referrals.case", case_id=referral.case_id))
    else:
        status = 400
    config = current_app.config
    return _page(
        "referrals/referral_form.html",
        status=status,
        form=form,
        checklist=checklist,
        referral=referral,
        current=current,
        escalation_incidents=config["ESCALATION_INCIDENTS"],
        escalation_months=config["ESCALATION_WINDOW_MONTHS"],
        format_dob=format_dob,
        window=services.repeat_window_days(),
    )


@bp.route("/referrals/<int:referral_id>/repeat", methods=["GET", "POST"])
@coordinator_only
def repeat_decision(referral_id: int) -> ResponseReturnValue:
    referral = get_referral_to_manage_or_404(referral_id, current_user)
    form = RepeatDecisionForm()
    if referral.repeat_status is None or not referral.awaiting_repeat_decision:
        if referral.case_id is not None:
            return redirect(url_for("referrals.case", case_id=referral.case_id))
        abort(404)
    if form.validate_on_submit():
        decided = attempt(
            lambda: services.decide_repeat(
                referral, confirm=form.decision.data == "confirm", actor=current_user
            )
        )
        if decided.error is not None:
            form.form_errors.append(decided.error.message)
        elif decided.value is not None:
            flash(f"The referral is now part of case {decided.value.reference}.")
            return redirect(url_for("referrals.case", case_id=decided.value.id))
    else:
        audit_read(_referral_read(referral))
    earlier = referral.linked_case
    return _page(
        "referrals/repeat_decision.html",
        status=400 if request.method == "POST" else 200,
        form=form,
        referral=referral,
        earlier=earlier,
        earlier_last=services.last_referral_on(earlier) if earlier else None,
        format_dob=format_dob,
    )


def _referral_read(referral: Referral) -> Read:
    """The read of a referral's form or repeat decision (the earlier case it may join too)."""
    cases = {referral.case_id, referral.linked_case_id}
    return Read(
        AuditAction.REFERRAL_VIEWED,
        object_type="referral",
        object_id=referral.id,
        case_ids=sorted(c for c in cases if c is not None),
    )


# --- Case list of a meeting, research list ------------------------------------------------


def _cutoff(meeting: Meeting) -> Any:
    try:
        return key_dates(meeting).referral_cutoff
    except (ImportError, KeyError, AttributeError):
        return None


@bp.route("/meetings/<int:meeting_id>/case-list")
@area_roles
def meeting_case_list(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_case_list_or_404(meeting_id, current_user)
    items = services.case_list(meeting, include_restricted=True)
    manage = can_manage_cases(current_user, meeting.area_id)
    waiting = services.awaiting_allocation(meeting.area_id) if manage else []
    shown = [item.case_id for item in items] + [r.case_id for r in waiting if r.case_id]
    return _read_page(
        "referrals/meeting_case_list.html",
        audit=Read(
            AuditAction.CASE_LIST_OF_MEETING_VIEWED,
            object_type="meeting",
            object_id=meeting.id,
            case_ids=shown,
            detail=f"rows={len(items)} awaiting={len(waiting)}",
        ),
        meeting=meeting,
        items=items,
        waiting=waiting,
        manage=manage and meeting.status == MeetingStatus.SCHEDULED,
        cutoff=_cutoff(meeting),
        format_dob=format_dob,
        has_triage_page="coordination.triage" in current_app.view_functions,
    )


@bp.route("/meetings/<int:meeting_id>/case-list/allocate", methods=["POST"])
@coordinator_only
def allocate(meeting_id: int) -> ResponseReturnValue:
    meeting = get_meeting_to_allocate_or_404(meeting_id, current_user)
    form = AllocateForm()
    if form.validate_on_submit():
        try:
            referral_id = int(form.referral_id.data)
        except ValueError:
            referral_id = 0
        referral = get_referral_to_manage_or_404(referral_id, current_user)
        allocated = attempt(lambda: services.allocate_to_meeting(referral, meeting, current_user))
        if allocated.error is not None:
            flash(allocated.error.message, "error")
        elif allocated.value is not None:
            flash(f"{allocated.value.case.reference} has been added to the case list.")
    return redirect(url_for("referrals.meeting_case_list", meeting_id=meeting.id))


@bp.route("/case-list/items/<int:item_id>/move", methods=["POST"])
@coordinator_only
def move_item(item_id: int) -> ResponseReturnValue:
    item = get_agenda_item_to_manage_or_404(item_id, current_user)
    form = MoveForm()
    if form.validate_on_submit() and form.direction.data in ("up", "down"):
        attempt(lambda: services.move_agenda_item(item, form.direction.data, current_user))
    return redirect(url_for("referrals.meeting_case_list", meeting_id=item.meeting_id))


@bp.route("/case-list/items/<int:item_id>/remove", methods=["POST"])
@coordinator_only
def remove_item(item_id: int) -> ResponseReturnValue:
    item = get_agenda_item_to_manage_or_404(item_id, current_user)
    meeting_id = item.meeting_id
    if ConfirmForm().validate_on_submit():
        removed = attempt(lambda: services.remove_from_meeting(item, current_user))
        if removed.error is not None:
            flash(removed.error.message, "error")
        else:
            flash("The case has been taken off the case list.")
    return redirect(url_for("referrals.meeting_case_list", meeting_id=meeting_id))


def _meeting_for_research(meeting_id: int) -> Meeting:
    return get_meeting_or_404(meeting_id, current_user)


@bp.route("/meetings/<int:meeting_id>/research-list")
@case_roles
def research_list(meeting_id: int) -> ResponseReturnValue:
    meeting = _meeting_for_research(meeting_id)
    rows = services.research_list(meeting)
    return _read_page(
        "referrals/research_list.html",
        audit=Read(
            AuditAction.RESEARCH_LIST_VIEWED,
            object_type="meeting",
            object_id=meeting.id,
            case_ids=[row.case_id for row in rows],
            detail=f"rows={len(rows)}",
        ),
        meeting=meeting,
        rows=rows,
        format_dob=format_dob,
    )


@bp.route("/meetings/<int:meeting_id>/research-list.csv")
@case_roles
def research_list_csv_download(meeting_id: int) -> ResponseReturnValue:
    meeting = _meeting_for_research(meeting_id)
    rows = services.research_list(meeting)
    audit_read(
        Read(
            AuditAction.RESEARCH_LIST_DOWNLOADED,
            object_type="meeting",
            object_id=meeting.id,
            case_ids=[row.case_id for row in rows],
            detail=f"rows={len(rows)} format=csv",
        )
    )
    response = Response(research_list_csv(rows), mimetype="text/csv")
    day = meeting.starts_at.strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="research-list-{day}-meeting-{meeting.id}.csv"'
    )
    return _no_store(response)


# --- Partials for other pages ---------------------------------------------------------------


@bp.app_context_processor
def _referral_partials() -> dict[str, Any]:
    def meeting_case_count(meeting: Meeting) -> int | None:
        if not current_user.is_authenticated or not can_view_meeting(current_user, meeting):
            return None
        return len(services.case_list(meeting))

    def coordinator_summary() -> dict[str, Any] | None:
        if not current_user.is_authenticated or not can_record_referral(current_user):
            return None
        return {
            "awaiting": services.awaiting_allocation(current_user.area_id),
            "repeats": services.pending_repeats(current_user.area_id),
        }

    def can_see_case_list(meeting: Meeting) -> bool:
        return current_user.is_authenticated and can_see_meeting_case_list(current_user, meeting)

    def can_allocate(meeting: Meeting) -> bool:
        return current_user.is_authenticated and can_manage_cases(current_user, meeting.area_id)

    return {
        "referrals_can_see_case_list": can_see_case_list,
        "referrals_can_allocate": can_allocate,
        "referrals_meeting_case_count": meeting_case_count,
        "referrals_coordinator_summary": coordinator_summary,
    }
