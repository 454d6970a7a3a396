"""Pages for safe addresses and flags (mounted at /safeguards):

- ``reveal_address`` (POST, CSRF): the victim's address for one open action agreed as
  needing it, shown to the owning agency's representative only and audited ("address
  shown") with the action and case ids; 404 for everyone else. The address is on this
  answer alone: no other page, list, extract, PDF or email carries it.
- ``address_alert``: the coordinator sets or clears "Address confidential – do not
  disclose" on a case, with a reason.
- ``dismiss_notice`` (POST): a representative has read an address-change notice.
- ``flag_register``: an agency's 12-month flag register.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.action_items.models import ActionItem
from marac_app.agencies.models import Agency
from marac_app.agencies.queries import agencies_of_area
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.ids import parse_id
from marac_app.common.time import london_today
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.permissions import roles_required, signed_in
from marac_app.referrals.address_alerts import ALERT_TEXT, has_address_alert
from marac_app.safeguards import flags, notices, services
from marac_app.safeguards.forms import AlertForm, DismissNoticeForm, ShowAddressForm
from marac_app.safeguards.permissions import (
    can_reveal_address,
    get_action_for_address_or_404,
    get_case_for_alert_or_404,
    sees_flag_register,
)

bp = Blueprint("safeguards", __name__)


@bp.route("/actions/<int:action_id>/address", methods=["POST"])
@signed_in
def reveal_address(action_id: int) -> ResponseReturnValue:
    action = get_action_for_address_or_404(action_id, current_user)
    if not ShowAddressForm().validate_on_submit():
        abort(400)
    victim = action.case.victim
    return render_read(
        "safeguards/address.html",
        audit=Read(
            AuditAction.ADDRESS_SHOWN,
            object_type="action",
            object_id=action.id,
            case_ids=[action.case_id],
            detail=f"action={action.id} case={action.case_id} fields=address",
        ),
        action=action,
        address=victim.address if victim is not None else None,
    )


@bp.route("/cases/<int:case_id>/address-alert", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def address_alert(case_id: int) -> ResponseReturnValue:
    case = get_case_for_alert_or_404(case_id, current_user)
    active = services.active_alert(case.id)
    form = AlertForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            change = services.clear_alert if active is not None else services.set_alert
            done = attempt(lambda: change(case, reason=form.reason.data, actor=current_user), form)
            if done:
                flash(
                    f"The address alert on {case.reference} has been "
                    + ("cleared." if active is not None else "set.")
                )
                return redirect(url_for("referrals.case", case_id=case.id))
            status = done.status
    return render_read(
        "safeguards/alert_form.html",
        audit=Read(
            AuditAction.CASE_VIEWED,
            object_type="case",
            object_id=case.id,
            case_ids=[case.id],
            detail="address alert form",
        ),
        status=status,
        case=case,
        form=form,
        active=active,
        history=services.alert_history(case.id),
    )


@bp.route("/address-notices/dismiss", methods=["POST"])
@roles_required(Role.AGENCY_REP)
def dismiss_notice() -> ResponseReturnValue:
    form = DismissNoticeForm()
    if not form.validate_on_submit():
        abort(400)
    change_id = parse_id(form.change_id.data)
    done = attempt(lambda: notices.dismiss_notice(change_id, actor=current_user))
    if not done:
        abort(404)
    flash("The notice has been dismissed.")
    return redirect(url_for("main.home"))


def _register_agency(agency_arg: str | None) -> tuple[Agency | None, list[Agency]]:
    """The agency whose register is asked for and the agencies the user may choose from."""
    if current_user.role == Role.AGENCY_REP:
        return current_user.agency, []
    choices = agencies_of_area(current_user.area_id)
    chosen_id = parse_id(agency_arg)
    chosen = next((a for a in choices if a.id == chosen_id), None)
    return chosen, choices


@bp.route("/flags")
@roles_required(Role.COORDINATOR, Role.CHAIR, Role.AGENCY_REP)
def flag_register() -> ResponseReturnValue:
    if not sees_flag_register(current_user):
        abort(404)
    agency, choices = _register_agency(request.args.get("agency"))
    today = london_today()
    register = flags.register_for(current_user, agency, today=today) if agency else []
    return render_read(
        "safeguards/flags.html",
        audit=Read(
            AuditAction.FLAG_REGISTER_VIEWED,
            object_type="agency",
            object_id=agency.id if agency else None,
            case_ids=[f.case_id for f in register],
            detail=f"rows={len(register)}",
        ),
        agency=agency,
        choices=choices,
        register=register,
        today=today,
    )


# --- What every template may ask (reads only, never writes) -----------------------------


def _may_reveal_address(action: ActionItem) -> bool:
    return can_reveal_address(current_user, action)


def _address_notices() -> list[notices.AddressNotice]:
    return notices.address_notices(current_user)


def _sees_flag_register() -> bool:
    return sees_flag_register(current_user)


@bp.record_once
def _install_globals(state: BlueprintSetupState) -> None:
    """Template globals (not a context processor: the macros in
    templates/safeguards/_macros.html are imported without the page's context)."""
    state.app.jinja_env.globals.update(
        address_alert_text=ALERT_TEXT,
        has_address_alert=has_address_alert,
        case_subject=services.case_subject,
        may_reveal_address=_may_reveal_address,
        address_notices=_address_notices,
        flags_for_case=flags.flags_for_case,
        sees_flag_register=_sees_flag_register,
    )
