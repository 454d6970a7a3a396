"""Pages for chasing actions, mounted on the actions blueprint by ``register(bp)``:

- an agency's points of contact in an area (the area's coordinator, or an admin);
- "Chase this agency now" (the coordinator; rate-limited in ``chasing.chase_agency_now``);
- the steering group's non-completion report, on screen, CSV and XLSX (coordinator of the
  area, admin, DPO).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.action_items import chasing, report
from marac_app.action_items.chasing_forms import ChaseForm, NonCompletionForm, PointsOfContactForm
from marac_app.action_items.permissions import (
    can_chase_agency,
    can_name_points_of_contact,
    can_view_noncompletion,
)
from marac_app.agencies.models import Agency, MaracArea
from marac_app.agencies.queries import agencies_of_area
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.common.forms import show_error
from marac_app.common.ids import parse_id
from marac_app.common.time import format_long_date, london_today
from marac_app.common.transaction import Read, attempt, audit_read, render_read
from marac_app.extensions import db
from marac_app.permissions import deny, fetch_or_404, roles_required


def _area_for(user: User, agency: Agency | None, value: str | None) -> int | None:
    """The area a points-of-contact page is about: the coordinator's own; for an admin the
    one asked for (else the agency's first)."""
    if user.role == Role.COORDINATOR:
        return user.area_id
    asked = parse_id(value)
    if asked is not None:
        return asked
    if agency is not None and agency.areas:
        return min(a.id for a in agency.areas)
    return None


@dataclass(frozen=True)
class ChaseRow:
    agency: Agency
    counts: chasing.AgencyCounts
    contacts: int


def chase_rows(user: User) -> list[ChaseRow]:
    """The coordinator's "chase" table: each signed-up agency of the area with its counts."""
    if user.role != Role.COORDINATOR or user.area_id is None:
        return []
    today, days = london_today(), chasing.due_soon_days()
    return [
        ChaseRow(
            agency,
            chasing.agency_counts(agency, user.area_id, today, days),
            len(chasing.points_of_contact(agency.id, user.area_id)),
        )
        for agency in agencies_of_area(user.area_id)
    ]


@roles_required(Role.COORDINATOR, Role.ADMIN)
def points_of_contact(agency_id: int) -> ResponseReturnValue:
    area_value = request.form.get("area_id") or request.args.get("area")
    probe = db.session.get(Agency, agency_id)
    area_id = _area_for(current_user, probe, area_value)
    agency = fetch_or_404(
        Agency,
        agency_id,
        allowed=lambda a: can_name_points_of_contact(current_user, a.id, area_id),
        kind="agency",
    )
    area = db.session.get(MaracArea, area_id)
    assert area is not None  # can_name_points_of_contact checked the agency serves it
    form = PointsOfContactForm()
    eligible = chasing.eligible_contacts(agency.id, area.id)
    form.contacts.choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in eligible]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            chosen = [i for i in (form.contacts.data or []) if i is not None]
            done = attempt(
                lambda: chasing.set_points_of_contact(agency, area, chosen, actor=current_user),
                form,
            )
            if done:
                flash(f"The points of contact of {agency.name} have been saved.")
                return redirect(
                    url_for("action_items.points_of_contact", agency_id=agency.id, area=area.id)
                )
        status = 400
    else:
        form.contacts.data = [u.id for u in chasing.points_of_contact(agency.id, area.id)]
    form.area_id.data = str(area.id)
    return render_read(
        "action_items/points_of_contact.html",
        audit=Read(
            AuditAction.POINTS_OF_CONTACT_VIEWED,
            object_type="agency",
            object_id=agency.id,
            detail=f"area={area.id}",
        ),
        status=status,
        form=form,
        agency=agency,
        area=area,
        areas=sorted(agency.areas, key=lambda a: a.name) if current_user.role == Role.ADMIN else [],
    )


@roles_required(Role.COORDINATOR)
def chase_agency(agency_id: int) -> ResponseReturnValue:
    agency = fetch_or_404(
        Agency,
        agency_id,
        allowed=lambda a: can_chase_agency(current_user, a.id),
        kind="agency",
    )
    area = db.session.get(MaracArea, current_user.area_id)
    assert area is not None
    form = ChaseForm()
    if not form.validate_on_submit():
        return redirect(url_for("action_items.index"))
    done = attempt(lambda: chasing.chase_agency_now(agency, area, actor=current_user))
    if done.value is not None:
        flash(
            f"{agency.name} has been chased: {done.value.recipients} "
            f"{'person was' if done.value.recipients == 1 else 'people were'} emailed."
        )
    elif done.error is not None:
        flash(done.error.message)
    return redirect(url_for("action_items.index") + "#chase")


@roles_required(Role.COORDINATOR, Role.ADMIN, Role.DPO)
def noncompletion() -> ResponseReturnValue:
    if not can_view_noncompletion(current_user):
        deny("noncompletion_report", status=403)
    form = NonCompletionForm(formdata=request.args if request.args else None)
    areas: list[MaracArea] = []
    if current_user.role == Role.COORDINATOR:
        area_id: int | None = current_user.area_id
    else:
        areas = list(
            db.session.scalars(
                db.select(MaracArea).where(MaracArea.active.is_(True)).order_by(MaracArea.name)
            )
        )
        form.area.choices = [SelectChoice("", "Every area")] + [
            SelectChoice(a.id, a.name) for a in areas
        ]
        area_id = form.area.data if isinstance(form.area.data, int) else None
        if area_id is not None and area_id not in {a.id for a in areas}:
            area_id = None
    today = london_today()
    rows: list[report.AgencyRow] | None = None
    status = 200
    if not request.args:
        form.start.set_date(today - timedelta(days=90))
        form.end.set_date(today)
    elif form.validate():
        try:
            start, end = report.check_period(form.start.data, form.end.data)
        except ServiceError as error:
            show_error(form, error)
            status = 400
        else:
            rows = report.noncompletion_by_agency(area_id, start, end, today=today)
            kind = form.format.data if form.format.data in ("csv", "xlsx") else "html"
            audit_read(
                Read(
                    AuditAction.NONCOMPLETION_REPORT_VIEWED,
                    object_type="marac_area",
                    object_id=area_id,
                    detail=f"format={kind} agencies={len(rows)} days={(end - start).days + 1}",
                )
            )
            if kind != "html":
                return _download(rows, kind, start, end)
    else:
        status = 400
    return render_template(
        "action_items/noncompletion.html",
        form=form,
        rows=rows,
        areas=areas,
        args={k: v for k, v in request.args.items() if k != "format"},
    ), status


def register(bp: Blueprint) -> None:
    """Add this module's routes to the actions blueprint."""
    bp.add_url_rule(
        "/agencies/<int:agency_id>/contacts",
        view_func=points_of_contact,
        methods=["GET", "POST"],
    )
    bp.add_url_rule("/agencies/<int:agency_id>/chase", view_func=chase_agency, methods=["POST"])
    bp.add_url_rule("/non-completion", view_func=noncompletion)


def _download(rows: list[report.AgencyRow], kind: str, start: date, end: date) -> Response:
    name = f"action-non-completion-{start.isoformat()}-to-{end.isoformat()}"
    if kind == "csv":
        response = Response(report.report_csv(rows), mimetype="text/csv; charset=utf-8")
    else:
        title = (
            f"Actions not completed on time, by agency: "
            f"{format_long_date(start)} to {format_long_date(end)}"
        )
        response = Response(
            report.report_xlsx(rows, title=title),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response
