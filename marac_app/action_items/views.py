"""Pages for actions: the list (area-wide for coordinators and chairs, own agency for
representatives), one action with its history and status form, and agreeing a new action.

Every read and change is audited; every page with an object id goes through a
fetch-then-authorise helper.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from marac_app.action_items import chasing, chasing_views, progress_views, services
from marac_app.action_items.forms import ActionForm, ProgressForm, StatusForm
from marac_app.action_items.home import my_agency_actions
from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.action_items.permissions import (
    agency_actions_withheld,
    can_create_action,
    can_update_action,
    get_action_or_404,
    get_case_for_new_action_or_404,
    sees_own_agency_actions,
)
from marac_app.action_items.progress import latest_progress
from marac_app.action_items.progress_views import progress_form
from marac_app.agencies.models import Agency
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.ids import parse_id, to_id
from marac_app.common.pagination import page_number
from marac_app.common.time import london_today
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.extensions import db
from marac_app.permissions import deny, roles_required
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import AgendaItem, Case

bp = Blueprint("action_items", __name__)

action_roles = roles_required(Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP)
agreeing_roles = roles_required(Role.COORDINATOR, Role.CHAIR)

PER_PAGE = 25


# --- The list ---------------------------------------------------------------------------


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _read_filters(args: MultiDict[str, str], user: User) -> services.ActionFilters:
    """Filters from the query string; unknown values are ignored. Never widens visibility."""
    status = args.get("status", "")
    agency = args.get("agency", "")
    return services.ActionFilters(
        status=ActionStatus(status) if status in {s.value for s in ActionStatus} else None,
        owner_agency_id=parse_id(agency) if user.role != Role.AGENCY_REP else None,
        overdue_only=args.get("overdue") == "1",
        due_from=_parse_date(args.get("due_from")),
        due_to=_parse_date(args.get("due_to")),
        case_reference=args.get("case", "").strip()[:20],
        newest_first=args.get("sort") == "due_desc",
    )


@bp.route("/")
@action_roles
def index() -> ResponseReturnValue:
    filters = _read_filters(request.args, current_user)
    page = page_number(request.args.get("page"))
    result = services.list_actions(current_user, filters, page=page, per_page=PER_PAGE)
    on = london_today()
    agencies: list[Agency] = []
    overdue = services.overdue_actions(current_user, on=on, limit=50)
    if current_user.role in (Role.COORDINATOR, Role.CHAIR) and current_user.area_id:
        agencies = services.agencies_of_area(current_user.area_id)
    read = Read(
        AuditAction.ACTION_LIST_VIEWED,
        object_type="action",
        case_ids=sorted({a.case_id for a in [*result.actions, *overdue]}),
        detail=f"rows={len(result.actions)} overdue_rows={len(overdue)} page={result.page}",
    )
    return render_read(
        "action_items/index.html",
        audit=read,
        result=result,
        overdue=overdue,
        agencies=agencies,
        filters=filters,
        args=request.args,
        query={k: v for k, v in request.args.items() if k != "page"},
        today=on,
        statuses=list(ActionStatus),
        own_agency=sees_own_agency_actions(current_user),
        blocked=agency_actions_withheld(current_user),
        chase=chasing_views.chase_rows(current_user),
        chase_days=chasing.due_soon_days(),
        chase_minutes=int(chasing.chase_again_after().total_seconds() // 60),
    )


# --- One action -------------------------------------------------------------------------


def _status_form(action: ActionItem, formdata: Any = None) -> StatusForm:
    form = StatusForm(formdata=formdata) if formdata is not None else StatusForm()
    form.status.choices = [
        SelectChoice(s.value, s.label) for s in services.allowed_statuses(action, current_user)
    ]
    if formdata is None:
        form.version.data = str(action.version)
        form.dated.set_date(london_today())
    return form


def _render_action(
    action: ActionItem,
    form: StatusForm | None,
    status: int = 200,
    current: ActionItem | None = None,
    mine: dict[str, str] | None = None,
    detail: str | None = None,
    progress: ProgressForm | None = None,
) -> ResponseReturnValue:
    """The action page, audited as a read of the action (and so of its case). ``progress``:
    the progress form being re-shown (else a fresh one where the user may post)."""
    if progress is not None and form is None and can_update_action(current_user, action):
        form = _status_form(action)
    return render_read(
        "action_items/view.html",
        audit=Read(
            AuditAction.ACTION_VIEWED,
            object_type="action",
            object_id=action.id,
            case_ids=[action.case_id],
            detail=detail,
        ),
        status=status,
        action=action,
        form=form,
        current=current,
        today=london_today(),
        mine=mine,
        may_agree_action=can_create_action(current_user, action.case),
        progress_form=progress if progress is not None else progress_form(action),
        latest_progress=latest_progress(action),
    )


@bp.route("/<int:action_id>")
@action_roles
def view(action_id: int) -> ResponseReturnValue:
    action = get_action_or_404(action_id, current_user)
    form = _status_form(action) if can_update_action(current_user, action) else None
    return _render_action(action, form)


def _version(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


@bp.route("/<int:action_id>/status", methods=["POST"])
@action_roles
def update(action_id: int) -> ResponseReturnValue:
    action = get_action_or_404(action_id, current_user)
    if not can_update_action(current_user, action):
        deny(f"action_update:{action.id}", status=403, object_type="action", object_id=action.id)
    form = _status_form(action, request.form)
    if form.validate_on_submit():
        chosen = form.status.data
        done = attempt(
            lambda: services.update_status(
                action,
                status=chosen,
                note=form.note.data,
                dated=form.dated.data,
                version=_version(form.version.data),
                actor=current_user,
            ),
            form,
        )
        if done:
            flash(f"The action's status is now: {ActionStatus(chosen).label}.")
            return redirect(url_for("action_items.view", action_id=action.id))
        if done.conflict:
            mine = {
                "status": ActionStatus(chosen).label
                if chosen in {s.value for s in ActionStatus}
                else "",
                "note": form.note.data or "",
            }
            fresh = get_action_or_404(action_id, current_user)
            form.version.data = str(fresh.version)
            form.status.choices = [
                SelectChoice(s.value, s.label)
                for s in services.allowed_statuses(fresh, current_user)
            ]
            return _render_action(
                fresh,
                form,
                409,
                current=fresh,
                mine=mine,
                detail="update refused: version conflict",
            )
    action = get_action_or_404(action_id, current_user)
    return _render_action(action, form, 400, detail="update refused: input")


# --- Agreeing a new action --------------------------------------------------------------


def _action_form_choices(form: ActionForm, case: Case) -> None:
    agencies = services.agencies_of_area(case.area_id)
    choices = [SelectChoice("", "Select an agency")]
    for agency in agencies:
        problem = signup_problem(agency)
        label = agency.name if problem is None else f"{agency.name} (not signed up to the ISP)"
        choices.append(SelectChoice(agency.id, label))
    form.owner_agency.choices = choices
    names = {a.id: a.name for a in agencies}
    form.owner_user.choices = [SelectChoice("", "No named person")] + [
        SelectChoice(u.id, f"{u.name} – {names.get(u.agency_id or 0, '')}")
        for u in services.representatives_of_area(case.area_id)
    ]


def _agenda_item(value: str | None, case: Case) -> AgendaItem | None:
    if not value:
        return None
    # Only a plausible id reaches the database and the audit trail (never the raw text).
    item_id = parse_id(value) or -1
    item = db.session.get(AgendaItem, item_id) if item_id > 0 else None
    if item is None or item.case_id != case.id:
        deny(f"agenda_item:{item_id}", object_type="agenda_item", object_id=item_id)
    return item


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/cases/<int:case_id>/new", methods=["GET", "POST"])
@agreeing_roles
def new(case_id: int | None = None) -> ResponseReturnValue:
    if case_id is None:
        case_id = request.args.get("case_id", type=to_id)
    case = get_case_for_new_action_or_404(case_id, current_user)
    form = ActionForm()
    _action_form_choices(form, case)
    if request.method == "GET":
        form.agenda_item_id.data = request.args.get("agenda_item_id", "")
        form.priority.data = "medium"
    agenda_item = _agenda_item(form.agenda_item_id.data, case)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.create_action(
                case,
                owner_agency=db.session.get(Agency, form.owner_agency.data)
                if form.owner_agency.data
                else None,
                description=form.description.data,
                due_date=form.due_date.data,
                priority=form.priority.data,
                actor=current_user,
                agenda_item=agenda_item,
                owner_user=db.session.get(User, form.owner_user.data)
                if form.owner_user.data
                else None,
                needs_address=bool(form.needs_address.data),
            ),
            form,
        )
        if done.value is not None:
            flash(f"The action for {case.reference} has been added.")
            return redirect(url_for("action_items.view", action_id=done.value.id))
    return render_read(
        "action_items/new.html",
        audit=Read(
            AuditAction.ACTION_FORM_VIEWED,
            object_type="case",
            object_id=case.id,
            case_ids=[case.id],
        ),
        status=400 if request.method == "POST" else 200,
        form=form,
        case=case,
        agenda_item=agenda_item,
    )


progress_views.register(bp, _render_action)
chasing_views.register(bp)


# --- Home-page partials -----------------------------------------------------------------
# Nothing here writes: the home view writes the read's audit event (``home.home_actions_read``)
# before it renders, and the template global shows the same rows (computed once a request).


def _area_overdue_count() -> int | None:
    if current_user.role not in (Role.COORDINATOR, Role.CHAIR) or not current_user.area_id:
        return None
    return services.overdue_count(current_user)


@bp.app_context_processor
def _action_partials() -> dict[str, Any]:
    return {
        "my_agency_actions": lambda: my_agency_actions(current_user),
        "area_overdue_count": _area_overdue_count,
    }
