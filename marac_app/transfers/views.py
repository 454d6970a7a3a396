"""Pages for MARAC-to-MARAC transfers. Mounted at /transfers.

- ``/transfers/``: "Transfers waiting for you" (a coordinator's receiving area).
- ``/transfers/cases/<case_id>/transfer``: the case's coordinator sends it to another area.
- ``/transfers/cases/<case_id>/pack``: a transfer pack for a MARAC outside the deployment.
- ``/transfers/<transfer_id>``: the receiving coordinator reads what was sent and accepts or
  declines; answered 404 to everyone else, and once the transfer is decided.
- ``/transfers/cases/<case_id>/history``: the sending area's minutes extract and actions,
  read from the receiving area's case by its chair and coordinator.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.time import LONDON
from marac_app.common.transaction import Read, attempt, render_read
from marac_app.permissions import roles_required
from marac_app.referrals.restriction import is_restricted
from marac_app.transfers import services
from marac_app.transfers.forms import DecisionForm, PackForm, TransferForm
from marac_app.transfers.history import case_history
from marac_app.transfers.pack import produce_pack
from marac_app.transfers.permissions import (
    can_read_transferred_history,
    can_transfer_case,
    get_case_to_transfer_or_404,
    get_received_case_or_404,
    get_transfer_to_answer_or_404,
)

bp = Blueprint("transfers", __name__)

coordinator_only = roles_required(Role.COORDINATOR)
area_roles = roles_required(Role.COORDINATOR, Role.CHAIR)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _read_page(template: str, *, audit: Read, status: int = 200, **context: Any) -> Response:
    html, code = render_read(template, audit=audit, status=status, **context)
    return _no_store(Response(html, status=code))


def _status(form: Any) -> int:
    return 400 if form.is_submitted() else 200


@bp.route("/")
@coordinator_only
def waiting() -> ResponseReturnValue:
    transfers = services.waiting_for(current_user.area_id)
    return _read_page(
        "transfers/waiting.html",
        audit=Read(
            AuditAction.TRANSFERS_WAITING_VIEWED,
            object_type="case_transfer",
            case_ids=[t.source_case_id for t in transfers],
            detail=f"rows={len(transfers)}",
        ),
        transfers=transfers,
    )


@bp.route("/cases/<int:case_id>/transfer", methods=["GET", "POST"])
@coordinator_only
def start(case_id: int) -> ResponseReturnValue:
    case = get_case_to_transfer_or_404(case_id, current_user)
    form = TransferForm()
    form.to_area.choices = [SelectChoice("", "Select a MARAC area")] + [
        SelectChoice(area.id, area.name) for area in services.destination_areas(case)
    ]
    status = _status(form)
    if form.validate_on_submit():
        done = attempt(
            lambda: services.start_transfer(
                case,
                to_area_id=form.to_area.data,
                reason=form.reason.data,
                actor=current_user,
                base_url=current_app.config["PUBLIC_BASE_URL"],
            ),
            form,
        )
        if done.value is not None:
            flash(
                f"Case {case.reference} has been sent to {done.value.destination}. It stays "
                "with your MARAC until their coordinator accepts it."
            )
            return redirect(url_for("referrals.case", case_id=case.id))
        status = done.status
    return _read_page(
        "transfers/start.html",
        status=status,
        audit=Read(
            AuditAction.CASE_VIEWED,
            object_type="case",
            object_id=case.id,
            case_ids=[case.id],
            detail="transfer_form",
        ),
        case=case,
        form=form,
        pending=services.pending_transfer_of(case),
    )


@bp.route("/cases/<int:case_id>/pack", methods=["GET", "POST"])
@coordinator_only
def pack(case_id: int) -> ResponseReturnValue:
    case = get_case_to_transfer_or_404(case_id, current_user)
    form = PackForm()
    status = _status(form)
    if form.validate_on_submit():
        done = attempt(
            lambda: produce_pack(
                case,
                marac=form.marac.data,
                reason=form.reason.data,
                actor=current_user,
                ip=request.remote_addr,
            ),
            form,
        )
        if done.value is not None:
            transfer, pdf = done.value
            day = transfer.requested_at.astimezone(LONDON).date().isoformat()
            response = Response(pdf, mimetype="application/pdf")
            response.headers["Content-Disposition"] = (
                f'attachment; filename="marac-transfer-pack-{transfer.id}-{day}.pdf"'
            )
            return _no_store(response)
        status = done.status
    return _read_page(
        "transfers/pack.html",
        status=status,
        audit=Read(
            AuditAction.CASE_VIEWED,
            object_type="case",
            object_id=case.id,
            case_ids=[case.id],
            detail="transfer_pack_form",
        ),
        case=case,
        form=form,
    )


@bp.route("/<int:transfer_id>", methods=["GET", "POST"])
@coordinator_only
def decide(transfer_id: int) -> ResponseReturnValue:
    transfer = get_transfer_to_answer_or_404(transfer_id, current_user)
    form = DecisionForm()
    status = _status(form)
    if form.validate_on_submit():
        if form.decision.data == "accept":
            accepted = attempt(lambda: services.accept(transfer, actor=current_user), form)
            if accepted.value is not None:
                flash(
                    f"The case is now {accepted.value.reference} in your MARAC. Add it to a "
                    "meeting's case list when it is ready to be heard."
                )
                return redirect(url_for("referrals.case", case_id=accepted.value.id))
            status = accepted.status
        else:
            declined = attempt(
                lambda: services.decline(
                    transfer, reason=form.decline_reason.data, actor=current_user
                ),
                form,
            )
            if declined:
                flash("The transfer has been declined. The sending MARAC keeps the case.")
                return redirect(url_for("transfers.waiting"))
            status = declined.status
    source = transfer.source_case
    return _read_page(
        "transfers/decide.html",
        status=status,
        audit=Read(
            AuditAction.TRANSFER_VIEWED,
            object_type="case_transfer",
            object_id=transfer.id,
            case_ids=[source.id],
            detail=f"source_case={source.id} to_area={transfer.to_area_id}",
        ),
        transfer=transfer,
        history=case_history(source),
        form=form,
    )


@bp.route("/cases/<int:case_id>/history")
@area_roles
def history(case_id: int) -> ResponseReturnValue:
    case = get_received_case_or_404(case_id, current_user)
    transfer = services.received_as(case)
    source = transfer.source_case if transfer is not None else None
    # A source case restricted since is seen only by its own area's coordinator.
    shown = case_history(source) if source is not None and not is_restricted(source.id) else None
    return _read_page(
        "transfers/history.html",
        audit=Read(
            AuditAction.TRANSFER_HISTORY_VIEWED,
            object_type="case",
            object_id=case.id,
            case_ids=[case.id] + ([source.id] if shown is not None and source else []),
            detail=f"transfer={transfer.id if transfer else 'none'}",
        ),
        case=case,
        transfer=transfer,
        history=shown,
    )


@bp.app_context_processor
def _transfer_partials() -> dict[str, Any]:
    def transfers_of_case(case: Any) -> dict[str, Any]:
        """What the case page shows: transfers out, the transfer in, and the links."""
        if not current_user.is_authenticated:
            return {}
        received = services.received_as(case)
        return {
            "sent": [(t, services.sent_note(t)) for t in services.sent_from(case)],
            "received": services.received_note(received) if received else "",
            "history": received is not None and can_read_transferred_history(current_user, case),
            "can_transfer": can_transfer_case(current_user, case) and not is_restricted(case.id),
            "pending": services.pending_transfer_of(case),
        }

    def transfer_notes(case_ids: Any) -> services.Notes:
        return services.notes_for(case_ids)

    def transfers_waiting_count() -> int:
        if not current_user.is_authenticated or current_user.role != Role.COORDINATOR:
            return 0
        return len(services.waiting_for(current_user.area_id))

    return {
        "transfers_of_case": transfers_of_case,
        "transfer_notes": transfer_notes,
        "transfers_waiting_count": transfers_waiting_count,
    }
