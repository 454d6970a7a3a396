"""Admin pages: MARAC areas, agencies and users. Admins only; every change audited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import Form
from wtforms.fields.choices import SelectChoice

from marac_app.admin import services as agency_services
from marac_app.admin.forms import AgencyForm, AreaForm, ConfirmForm, UserForm
from marac_app.agencies.models import AgencyKind
from marac_app.audit_actions import AuditAction
from marac_app.auth import areas as user_areas
from marac_app.auth import mfa as auth_mfa
from marac_app.auth import services as auth_services
from marac_app.auth.models import Role, User
from marac_app.common.pagination import page_number, paginate
from marac_app.common.transaction import Read, attempt, audit_read, render_read
from marac_app.meetings import account_invitations
from marac_app.permissions import (
    get_agency_or_404,
    get_area_or_404,
    get_user_or_404,
    roles_required,
)

bp = Blueprint("admin", __name__)

admin_only = roles_required(Role.ADMIN)


def _status(form: Form) -> int:
    return 400 if request.method == "POST" else 200


@bp.route("/")
@admin_only
def index() -> ResponseReturnValue:
    return render_template("admin/index.html")


# --- Areas -----------------------------------------------------------------------------


@bp.route("/areas")
@admin_only
def areas() -> ResponseReturnValue:
    return render_template("admin/areas.html", areas=agency_services.list_areas())


@bp.route("/areas/new", methods=["GET", "POST"])
@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@admin_only
def area_form(area_id: int | None = None) -> ResponseReturnValue:
    area = get_area_or_404(area_id, current_user) if area_id is not None else None
    form = AreaForm(obj=area)
    if form.validate_on_submit():
        saved = attempt(
            lambda: agency_services.save_area(
                name=form.name.data,
                code=form.code.data,
                active=form.active.data,
                actor=current_user,
                area=area,
                case_target_minutes=form.target_minutes(),
                return_deadline_days=form.deadline_days(),
                return_visibility=form.visibility(),
            ),
            form,
        )
        if saved and saved.value is not None:
            flash(f"{saved.value.name} has been saved.")
            return redirect(url_for("admin.areas"))
    return render_template("admin/area_form.html", form=form, area=area), _status(form)


# --- Agencies --------------------------------------------------------------------------


@bp.route("/agencies")
@admin_only
def agencies() -> ResponseReturnValue:
    return render_template("admin/agencies.html", agencies=agency_services.list_agencies())


@bp.route("/agencies/new", methods=["GET", "POST"])
@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@admin_only
def agency_form(agency_id: int | None = None) -> ResponseReturnValue:
    agency = get_agency_or_404(agency_id, current_user) if agency_id is not None else None
    form = AgencyForm(obj=agency)
    form.areas.choices = [SelectChoice(a.id, a.name) for a in agency_services.list_areas()]
    if request.method == "GET" and agency is not None:
        form.areas.data = [a.id for a in agency.areas]
        form.kind.data = agency.kind.value
    if form.validate_on_submit():
        saved = attempt(
            lambda: agency_services.save_agency(
                name=form.name.data,
                kind=AgencyKind(form.kind.data),
                area_ids=list(form.areas.data or []),
                active=form.active.data,
                actor=current_user,
                agency=agency,
            ),
            form,
        )
        if saved and saved.value is not None:
            flash(f"{saved.value.name} has been saved.")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, agency=agency), _status(form)


# --- Users -----------------------------------------------------------------------------


USERS_PER_PAGE = 50


@bp.route("/users")
@admin_only
def users() -> ResponseReturnValue:
    query = sa.select(User).order_by(User.name)
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    search = request.args.get("q", "").strip()[:100]
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    invited = request.args.get("added") == "invited"
    if invited:
        query = query.where(account_invitations.invited_accounts_filter())
    listed = paginate(
        query.order_by(User.id),
        page=page_number(request.args.get("page")),
        per_page=USERS_PER_PAGE,
        clamp=True,
    )
    found = list(listed.items)
    return render_read(
        "admin/users.html",
        audit=Read(
            AuditAction.USER_LIST_VIEWED,
            object_type="user",
            detail=f"rows={len(found)} page={listed.page}",
        ),
        users=found,
        invited=invited,
        invited_ids=account_invitations.invited_account_ids([u.id for u in found]),
        role=role,
        search=search,
        roles=list(Role),
        total=listed.total or 0,
        page=listed.page,
        pages=max(1, listed.pages),
    )


def _user_form_choices(form: UserForm) -> None:
    form.agency.choices = [SelectChoice("", "No agency")] + [
        SelectChoice(a.id, a.name) for a in agency_services.list_agencies()
    ]
    form.area.choices = [SelectChoice("", "No MARAC area")] + [
        SelectChoice(a.id, a.name) for a in agency_services.list_areas()
    ]
    form.also_areas.choices = [SelectChoice(a.id, a.name) for a in agency_services.list_areas()]


def _also_area_ids(form: UserForm) -> list[int]:
    return [area_id for area_id in form.also_areas.data or [] if area_id is not None]


def _details(form: UserForm) -> auth_services.UserDetails:
    return auth_services.UserDetails(
        email=form.email.data,
        name=form.name.data,
        job_title=form.job_title.data or "",
        role=Role(form.role.data),
        agency_id=form.agency.data,
        area_id=form.area.data,
    )


def _send_set_password_link(user: User) -> None:
    auth_services.send_set_password_link(user, actor=current_user)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new() -> ResponseReturnValue:
    form = UserForm()
    _user_form_choices(form)
    if form.validate_on_submit():

        def create() -> User:
            created = auth_services.create_user(_details(form), actor=current_user)
            agency_services.set_user_areas(created, _also_area_ids(form), actor=current_user)
            _send_set_password_link(created)
            return created

        added = attempt(create, form)
        if added and added.value is not None:
            user = added.value
            flash(
                f"{user.name} has been added. A link to set their password has been emailed "
                f"to {user.email}."
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int) -> ResponseReturnValue:
    user = get_user_or_404(user_id, current_user)
    form = UserForm(obj=user)
    _user_form_choices(form)
    if request.method == "GET":
        form.role.data = user.role.value
        form.agency.data, form.area.data = user.agency_id, user.area_id
        form.also_areas.data = user_areas.other_area_ids(user)
        form.version.data = str(user.version)
        audit_read(Read(AuditAction.USER_VIEWED, object_type="user", object_id=user.id))
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = 0

        def save() -> User:
            updated = auth_services.update_user(
                user, _details(form), version=version, actor=current_user
            )
            agency_services.set_user_areas(updated, _also_area_ids(form), actor=current_user)
            return updated

        saved = attempt(save, form)
        if saved.conflict:
            fresh = get_user_or_404(user_id, current_user)
            form.version.data = str(fresh.version)
            return render_template(
                "admin/user_form.html",
                form=form,
                user=fresh,
                current=fresh,
                confirm=ConfirmForm(),
                mfa_enrolled=auth_mfa.is_enrolled(fresh),
            ), 409
        if saved:
            flash(f"{user.name}'s details have been saved.")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        confirm=ConfirmForm(),
        mfa_enrolled=auth_mfa.is_enrolled(user),
    ), _status(form)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_only
def user_set_active(user_id: int) -> ResponseReturnValue:
    user = get_user_or_404(user_id, current_user)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.user_edit", user_id=user.id))
    activate = request.form.get("active") == "1"
    changed = attempt(lambda: auth_services.set_active(user, activate, actor=current_user))
    if changed.error is not None:
        flash(changed.error.message, "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    flash(f"{user.name} has been {'reactivated' if activate else 'deactivated'}.")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/set-password-link", methods=["POST"])
@admin_only
def user_send_link(user_id: int) -> ResponseReturnValue:
    user = get_user_or_404(user_id, current_user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.user_edit", user_id=user.id))
    sent = attempt(lambda: _send_set_password_link(user))
    if sent.error is not None:
        flash(sent.error.message, "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    flash(f"A link to set a new password has been emailed to {user.email}.")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@admin_only
def user_reset_mfa(user_id: int) -> ResponseReturnValue:
    """Remove a user's authenticator set-up (lost phone): sessions end, set up again."""
    user = get_user_or_404(user_id, current_user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.user_edit", user_id=user.id))
    if user.id == current_user.id:
        flash(
            "You cannot reset your own two-factor authentication here. Set up your "
            "authenticator app again from your account page",
            "error",
        )
        return redirect(url_for("admin.user_edit", user_id=user.id))
    attempt(lambda: auth_mfa.reset(user, actor=current_user))
    flash(
        f"{user.name}'s two-factor authentication has been reset. They have been signed out "
        "and will set it up again the next time they sign in."
    )
    return redirect(url_for("admin.user_edit", user_id=user.id))
