"""Pages for the information-sharing protocol register and the confidentiality statement.

Register readers: admins, coordinators and chairs (their own area). Managers: admins and
coordinators. Every view reads or changes through ``protocol.services`` and audits.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import Form
from wtforms.fields.choices import SelectChoice

from marac_app.agencies.models import Agency
from marac_app.audit_actions import AuditAction
from marac_app.common.errors import ServiceError
from marac_app.common.forms import show_error
from marac_app.common.time import london_today
from marac_app.common.transaction import Read, attempt, audit_read, render_read
from marac_app.extensions import db
from marac_app.permissions import roles_required
from marac_app.protocol import services, statements
from marac_app.protocol.export import register_csv
from marac_app.protocol.forms import (
    ProtocolVersionForm,
    SignatureForm,
    StatementForm,
    WithdrawForm,
)
from marac_app.protocol.models import ProtocolSignature
from marac_app.protocol.permissions import (
    MANAGE_ROLES,
    VIEW_ROLES,
    can_manage_agency_protocol,
    can_manage_protocol,
    can_read_register,
    get_agency_for_protocol_or_404,
    get_signature_or_404,
    get_version_or_404,
)

bp = Blueprint("protocol", __name__)

readers = roles_required(*VIEW_ROLES)
managers = roles_required(*MANAGE_ROLES)

TAG_CLASSES = {
    services.SignupState.SIGNED_UP: "govuk-tag--green",
    services.SignupState.NEEDS_RESIGN: "govuk-tag--yellow",
    services.SignupState.NO_PROTOCOL: "govuk-tag--grey",
}


def _tag_class(status: services.SignupStatus) -> str:
    return TAG_CLASSES.get(status.state, "govuk-tag--red")


bp.add_app_template_global(statements.split_statement, "split_statement")


@bp.app_template_global()
def agency_signup(agency: Agency) -> services.SignupStatus:
    """The agency's sign-up status today (for tags on agency lists and profiles)."""
    return services.signup_status(agency)


@bp.app_template_global()
def signup_tag_class(status: services.SignupStatus) -> str:
    return _tag_class(status)


@bp.app_template_global()
def protocol_home_counts() -> services.SignupCounts | None:
    """Counts for the home-page panel: agencies the signed-in user may see."""
    if not can_read_register(current_user):
        return None
    return services.signup_counts(
        services.register_rows(services.agencies_visible_to(current_user))
    )


def _status(form: Form) -> int:
    return 400 if request.method == "POST" else 200


def _form_version(form: SignatureForm | WithdrawForm) -> int:
    try:
        return int(form.version.data or 0)
    except ValueError:
        return 0


# --- The register ----------------------------------------------------------------------


def _register_rows() -> list[services.RegisterRow]:
    return services.register_rows(services.agencies_visible_to(current_user))


@bp.route("/")
@readers
def register() -> ResponseReturnValue:
    rows = _register_rows()
    return render_read(
        "protocol/register.html",
        audit=Read(
            AuditAction.PROTOCOL_REGISTER_VIEWED,
            object_type="protocol_register",
            detail=f"rows={len(rows)}",
        ),
        rows=rows,
        counts=services.signup_counts(rows),
        current=services.current_protocol(),
        can_manage=can_manage_protocol(current_user),
    )


@bp.route("/register/print")
@readers
def register_print() -> ResponseReturnValue:
    rows = _register_rows()
    return render_read(
        "protocol/register_print.html",
        audit=Read(
            AuditAction.PROTOCOL_REGISTER_PRINTED,
            object_type="protocol_register",
            detail=f"rows={len(rows)}",
        ),
        rows=rows,
        current=services.current_protocol(),
        on=london_today(),
    )


@bp.route("/register.csv")
@readers
def register_download() -> ResponseReturnValue:
    rows = _register_rows()
    audit_read(
        Read(
            AuditAction.PROTOCOL_REGISTER_EXPORTED,
            object_type="protocol_register",
            detail=f"rows={len(rows)} format=csv",
        )
    )
    filename = f"isp-register-{london_today().isoformat()}.csv"
    return Response(
        register_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/agencies/<int:agency_id>")
@readers
def agency(agency_id: int) -> ResponseReturnValue:
    found = get_agency_for_protocol_or_404(agency_id, current_user)
    history = services.signature_history(found)
    return render_read(
        "protocol/agency.html",
        audit=Read(
            AuditAction.PROTOCOL_AGENCY_VIEWED,
            object_type="agency",
            object_id=found.id,
            detail=f"signatures={len(history)}",
        ),
        agency=found,
        signup=services.signup_status(found),
        history=history,
        can_manage=can_manage_agency_protocol(current_user, found),
    )


# --- Signatures ------------------------------------------------------------------------


def _version_choices(form: SignatureForm) -> None:
    form.protocol_version_id.choices = [SelectChoice("", "Select a version")] + [
        SelectChoice(str(v.id), f"Version {v.version_label}: {v.title}")
        for v in services.list_versions()
    ]


def _details(form: SignatureForm) -> services.SignatureDetails:
    return services.SignatureDetails(
        protocol_version_id=form.version_id() or 0,
        signatory_name=form.signatory_name.data or "",
        signatory_job_title=form.signatory_job_title.data or "",
        signed_on=form.signed_on.data or london_today(),
        review_due_on=form.review_due_on.data,
    )


@bp.route("/agencies/<int:agency_id>/signatures/new", methods=["GET", "POST"])
@managers
def signature_new(agency_id: int) -> ResponseReturnValue:
    found = get_agency_for_protocol_or_404(agency_id, current_user, manage=True)
    form = SignatureForm()
    _version_choices(form)
    if request.method == "GET":
        current = services.current_protocol()
        form.protocol_version_id.data = str(current.id) if current else ""
    if form.validate_on_submit() and attempt(
        lambda: services.record_signature(found, _details(form), actor=current_user), form
    ):
        flash(f"The signature for {found.name} has been recorded.")
        return redirect(url_for("protocol.agency", agency_id=found.id))
    return render_template(
        "protocol/signature_form.html", form=form, agency=found, signature=None
    ), _status(form)


@bp.route("/signatures/<int:signature_id>", methods=["GET", "POST"])
@managers
def signature_edit(signature_id: int) -> ResponseReturnValue:
    signature = get_signature_or_404(signature_id, current_user, manage=True)
    form = SignatureForm(obj=signature)
    _version_choices(form)
    if request.method == "GET":
        form.protocol_version_id.data = str(signature.protocol_version_id)
        form.version.data = str(signature.version)
        audit_read(
            Read(
                AuditAction.PROTOCOL_SIGNATURE_VIEWED,
                object_type="protocol_signature",
                object_id=signature.id,
            )
        )
    if form.validate_on_submit():
        saved = attempt(
            lambda: services.update_signature(
                signature, _details(form), version=_form_version(form), actor=current_user
            ),
            None,
        )
        if saved.conflict and saved.error is not None:
            return _signature_conflict(form, signature_id, saved.error)
        if saved.error is not None:
            show_error(form, saved.error)
        else:
            flash("The signature has been saved.")
            return redirect(url_for("protocol.agency", agency_id=signature.agency_id))
    return render_template(
        "protocol/signature_form.html", form=form, agency=signature.agency, signature=signature
    ), _status(form)


def _fresh_signature(signature_id: int) -> ProtocolSignature:
    db.session.expire_all()
    return get_signature_or_404(signature_id, current_user, manage=True)


def _signature_conflict(
    form: SignatureForm | WithdrawForm, signature_id: int, error: ServiceError
) -> ResponseReturnValue:
    """409: show what is saved now next to what the user typed (kept in the form)."""
    form.form_errors.append(error.message)
    fresh = _fresh_signature(signature_id)
    form.version.data = str(fresh.version)
    template = (
        "protocol/signature_form.html"
        if isinstance(form, SignatureForm)
        else "protocol/withdraw_form.html"
    )
    return render_template(
        template, form=form, agency=fresh.agency, signature=fresh, current=fresh
    ), 409


@bp.route("/signatures/<int:signature_id>/withdraw", methods=["GET", "POST"])
@managers
def signature_withdraw(signature_id: int) -> ResponseReturnValue:
    signature = get_signature_or_404(signature_id, current_user, manage=True)
    form = WithdrawForm()
    if request.method == "GET":
        form.version.data = str(signature.version)
        form.withdrawn_on.process(None, london_today())
    if form.validate_on_submit():
        withdrawn = attempt(
            lambda: services.withdraw_signature(
                signature,
                withdrawn_on=form.withdrawn_on.data or london_today(),
                reason=form.withdrawal_reason.data or "",
                version=_form_version(form),
                actor=current_user,
            ),
            None,
        )
        if withdrawn.conflict and withdrawn.error is not None:
            return _signature_conflict(form, signature_id, withdrawn.error)
        if withdrawn.error is not None:
            show_error(form, withdrawn.error)
        else:
            flash(f"The withdrawal of {signature.agency.name}'s signature has been recorded.")
            return redirect(url_for("protocol.agency", agency_id=signature.agency_id))
    return render_template(
        "protocol/withdraw_form.html", form=form, agency=signature.agency, signature=signature
    ), _status(form)


# --- Protocol versions -----------------------------------------------------------------


@bp.route("/versions")
@readers
def versions() -> ResponseReturnValue:
    return render_template(
        "protocol/versions.html",
        versions=services.list_versions(),
        current=services.current_protocol(),
        can_manage=can_manage_protocol(current_user),
    )


@bp.route("/versions/new", methods=["GET", "POST"])
@managers
def version_new() -> ResponseReturnValue:
    form = ProtocolVersionForm()
    if request.method == "GET":
        form.grace_days.data = current_app.config.get("ISP_GRACE_DAYS", 30)
        form.effective_date.process(None, london_today())
    if form.validate_on_submit():
        added = attempt(
            lambda: services.create_version(
                title=form.title.data or "",
                version_label=form.version_label.data or "",
                effective_date=form.effective_date.data or london_today(),
                text=form.text.data or "",
                grace_days=form.grace_days.data or 0,
                actor=current_user,
            ),
            form,
        )
        if added and added.value is not None:
            created = added.value
            flash(
                f"Version {created.version_label} of the protocol has been added. Every "
                f"agency now needs to sign it."
            )
            return redirect(url_for("protocol.version", version_id=created.id))
    return render_template("protocol/version_form.html", form=form), _status(form)


@bp.route("/versions/<int:version_id>")
@readers
def version(version_id: int) -> ResponseReturnValue:
    found = get_version_or_404(version_id, current_user)
    return render_template(
        "protocol/version.html",
        version=found,
        current=services.current_protocol(),
        grace_last_day=services.grace_last_day(found),
    )


# --- Confidentiality statement ---------------------------------------------------------


@bp.route("/statement")
@readers
def statement() -> ResponseReturnValue:
    return render_template(
        "protocol/statement.html",
        statement=services.current_statement(),
        history=statements.list_statements(),
        can_manage=can_manage_protocol(current_user),
    )


@bp.route("/statement/new", methods=["GET", "POST"])
@managers
def statement_new() -> ResponseReturnValue:
    form = StatementForm()
    current = services.current_statement()
    if request.method == "GET" and current is not None:
        form.text.data = current.text
    if form.validate_on_submit():
        done = attempt(
            lambda: statements.publish_statement(form.text.data or "", actor=current_user), form
        )
        if done and done.value is not None:
            published = done.value
            flash(
                f"Version {published.version_number} of the confidentiality statement has "
                f"been published. Meetings opened from now on will use it."
            )
            return redirect(url_for("protocol.statement"))
    return render_template("protocol/statement_form.html", form=form, current=current), _status(
        form
    )
