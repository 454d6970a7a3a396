"""Pages for data protection, mounted at /privacy.

Data-subject requests, retention and legal holds are for the Data Protection Officer only;
the privacy notice is read by every signed-in user; the accessibility statement is public
(GOV.UK practice: people must be able to read it before signing in). Every read and change of
personal data is audited (ids only) before the single commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import Form

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.forms import show_error as _show_error
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.jobs import services as jobs
from marac_app.permissions import deny, public, roles_required, signed_in
from marac_app.privacy import (
    erasure,
    retention,
    retention_preview,
    review,
    services,
    subject_views,
)
from marac_app.privacy import jobs as privacy_jobs
from marac_app.privacy.forms import (
    ApplyRetentionForm,
    CloseCaseForm,
    ConfirmForm,
    DecisionForm,
    EraseForm,
    HoldForm,
    NoticeForm,
    PolicyForm,
    ReasonForm,
    RectifyForm,
    RequestForm,
)
from marac_app.privacy.models import RequestStatus, SubjectRequest, SubjectRight
from marac_app.privacy.permissions import (
    can_close_case,
    can_edit_notice,
    erasures_area_of,
    get_case_for_dpo_or_404,
    get_request_or_404,
    is_dpo,
)
from marac_app.referrals import restriction
from marac_app.referrals.models import Case
from marac_app.template_helpers import LONDON

bp = Blueprint("privacy", __name__)
# Finding a requester's records, reviewing passages and the export (privacy/subject_views.py).
subject_views.register(bp)

dpo_only = roles_required(Role.DPO)


def today() -> date:

    return utcnow().astimezone(LONDON).date()


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    return _no_store(Response(render_template(template, **context), status=status))


# --- Data-subject requests --------------------------------------------------------------------


@bp.route("/requests")
@dpo_only
def requests() -> ResponseReturnValue:
    found = services.list_requests()
    record(
        AuditAction.SUBJECT_REQUESTS_VIEWED,
        object_type="subject_request",
        detail=f"rows={len(found)}",
    )
    db.session.commit()
    return _page("privacy/requests.html", requests=found, today=today())


@bp.route("/requests/new", methods=["GET", "POST"])
@dpo_only
def new_request() -> ResponseReturnValue:
    form = RequestForm()
    if request.method == "POST":
        valid = form.validate_on_submit()
        dob = form.date_of_birth()
        received = form.received_on(today())
        if valid and received is not None and not form.dob_day.errors:
            try:
                saved = services.log_request(
                    services.NewRequest(
                        person_name=form.person_name.data,
                        date_of_birth=dob,
                        right=SubjectRight(form.right.data),
                        received_on=received,
                        details=form.details.data or None,
                    ),
                    actor=current_user,
                )
            except ServiceError as error:
                db.session.rollback()
                _show_error(form, error)
            else:
                db.session.commit()
                flash(f"Request {saved.id} has been logged. It is due by {saved.due_on:%-d %B %Y}.")
                return redirect(url_for("privacy.subject_matches", request_id=saved.id))
        return _page("privacy/new_request.html", 400, form=form)
    return _page("privacy/new_request.html", form=form)


def _detail_context(found: SubjectRequest, **forms: Any) -> dict[str, Any]:
    links = services.linked_cases(found)
    cases = [case for _, case in links if case is not None]
    return {
        "req": found,
        "links": links,
        "today": today(),
        "decision_form": forms.get("decision_form") or _decision_form(found),
        "rectify_form": forms.get("rectify_form") or RectifyForm(formdata=None),
        "reason_form": forms.get("reason_form") or ReasonForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        "restricted": {c.id for c in cases if restriction.is_restricted(c.id)},
        "holds": {c.id for c in cases if retention.legal_hold_for(c.id) is not None},
        "history": {c.id: services.rectification_history(c) for c in cases},
        "rectifiable": services.RECTIFIABLE,
        # Per attached case: how far the passage review has gone (access and portability).
        "reviews": {
            link.id: review.progress(review.states(link, case))
            for link, case in links
            if case is not None
        },
    }


def _decision_form(found: SubjectRequest) -> DecisionForm:
    form = DecisionForm(formdata=None, obj=found)
    form.status.data = found.status.value
    form.version.data = str(found.version)
    return form


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@dpo_only
def request_detail(request_id: int) -> ResponseReturnValue:
    found = get_request_or_404(request_id, current_user)
    if request.method == "POST":
        form = DecisionForm()
        if form.validate_on_submit():
            try:
                version = int(form.version.data or 0)
            except ValueError:
                version = -1
            try:
                services.update_request(
                    found,
                    status=RequestStatus(form.status.data),
                    decision=form.decision.data,
                    reason=form.reason.data,
                    version=version,
                    actor=current_user,
                    today=today(),
                )
            except ConflictError as error:
                db.session.rollback()
                form.form_errors.append(error.message)
                found = get_request_or_404(request_id, current_user)
                record(
                    AuditAction.SUBJECT_REQUEST_VIEWED,
                    object_type="subject_request",
                    object_id=found.id,
                    detail="conflict",
                )
                db.session.commit()
                return _page(
                    "privacy/request.html",
                    409,
                    conflict=True,
                    **_detail_context(found, decision_form=form),
                )
            except ServiceError as error:
                db.session.rollback()
                _show_error(form, error)
            else:
                db.session.commit()
                flash("The request has been updated.")
                return redirect(url_for("privacy.request_detail", request_id=found.id))
        found = get_request_or_404(request_id, current_user)
        record(
            AuditAction.SUBJECT_REQUEST_VIEWED, object_type="subject_request", object_id=found.id
        )
        db.session.commit()
        return _page("privacy/request.html", 400, **_detail_context(found, decision_form=form))
    record(AuditAction.SUBJECT_REQUEST_VIEWED, object_type="subject_request", object_id=found.id)
    db.session.commit()
    return _page("privacy/request.html", **_detail_context(found))


def _linked_case_or_404(found: SubjectRequest, case_id: int | None) -> Case:
    """A case linked to the request (404 otherwise, audited)."""
    if case_id is None or case_id not in {link.case_id for link in found.cases}:
        deny(f"case:{case_id}", object_type="case", object_id=case_id)
    return get_case_for_dpo_or_404(case_id, current_user)


def _form_case_id(form: Form) -> int | None:
    try:
        return int(form.case_id.data)
    except (TypeError, ValueError):
        return None


@bp.route("/requests/<int:request_id>/rectify", methods=["POST"])
@dpo_only
def rectify(request_id: int) -> ResponseReturnValue:
    found = get_request_or_404(request_id, current_user)
    form = RectifyForm()
    case = _linked_case_or_404(found, _form_case_id(form))
    if form.validate_on_submit():
        try:
            changed = services.rectify_victim(
                case,
                field=form.field.data,
                new_value=form.new_value.data or "",
                reason=form.reason.data,
                actor=current_user,
                request=found,
            )
        except ServiceError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(
                f"{services.RECTIFIABLE[form.field.data]} corrected on {changed} record(s) "
                f"of case {case.reference}."
            )
            return redirect(url_for("privacy.request_detail", request_id=found.id))
    found = get_request_or_404(request_id, current_user)
    return _page("privacy/request.html", 400, **_detail_context(found, rectify_form=form))


@bp.route("/requests/<int:request_id>/restrict", methods=["POST"])
@dpo_only
def restrict(request_id: int) -> ResponseReturnValue:
    found = get_request_or_404(request_id, current_user)
    form = ReasonForm()
    case = _linked_case_or_404(found, _form_case_id(form))
    if form.validate_on_submit():
        restriction.restrict(case, form.reason.data, actor=current_user, request_id=found.id)
        db.session.commit()
        flash(f"Processing of case {case.reference} is now restricted.")
        return redirect(url_for("privacy.request_detail", request_id=found.id))
    found = get_request_or_404(request_id, current_user)
    return _page("privacy/request.html", 400, **_detail_context(found, reason_form=form))


@bp.route("/requests/<int:request_id>/lift-restriction", methods=["POST"])
@dpo_only
def lift_restriction(request_id: int) -> ResponseReturnValue:
    found = get_request_or_404(request_id, current_user)
    form = ConfirmForm()
    case = _linked_case_or_404(found, _form_case_id(form))
    if not form.validate_on_submit():
        flash("Your form could not be sent. Try again", "error")
        return redirect(url_for("privacy.request_detail", request_id=found.id))
    restriction.lift_restriction(case, actor=current_user)
    db.session.commit()
    flash(f"The restriction on case {case.reference} has been lifted.")
    return redirect(url_for("privacy.request_detail", request_id=found.id))


@bp.route("/requests/<int:request_id>/erase", methods=["GET", "POST"])
@dpo_only
def erase(request_id: int) -> ResponseReturnValue:
    """GET: what erasing would do (upcoming case lists, open actions, copies held, legal
    holds) and the form; POST: erase, once confirmed (with the reason when a case is open and
    on an upcoming list), then email the area's coordinators through a background job."""
    found = get_request_or_404(request_id, current_user)
    form = EraseForm()
    if request.method == "GET":
        return _erase_page(found, EraseForm(formdata=None))
    if form.validate_on_submit():
        try:
            outcome = erasure.erase_cases(
                found,
                actor=current_user,
                today=today(),
                confirmed=bool(form.confirm.data),
                reason=form.reason.data,
            )
        except ServiceError as error:
            db.session.rollback()
            _show_error(form, error)
            return _erase_page(
                get_request_or_404(request_id, current_user), form, 400 if error.field else 409
            )
        job = None
        if outcome.area_ids:
            job = jobs.enqueue(
                privacy_jobs.ERASURE_NOTICE,
                {"area_ids": outcome.area_ids, "request_id": found.id},
                owner=current_user,
            )
        db.session.commit()
        flash(
            f"Erasure carried out: {outcome.rows} record(s) deleted. The references are kept "
            "and will not be given again. Anonymous statistics were kept."
        )
        if job is not None:
            jobs.dispatch(job)
            return redirect(url_for("jobs.status_page", public_id=job.public_id))
        return redirect(url_for("privacy.request_detail", request_id=request_id))
    return _erase_page(found, form, 400)


def _erase_page(found: SubjectRequest, form: EraseForm, status: int = 200) -> ResponseReturnValue:
    checks = erasure.consequences(found)
    record(
        AuditAction.ERASURE_CONSEQUENCES_VIEWED,
        object_type="subject_request",
        object_id=found.id,
        detail=f"cases={sum(1 for c in checks if c.case is not None)}",
    )
    db.session.commit()
    present = [c for c in checks if c.case is not None]
    blocked = (
        found.right != SubjectRight.ERASURE
        or found.status.is_closed
        or not present
        or any(c.refusal for c in present)
    )
    return _page(
        "privacy/erase.html",
        status,
        req=found,
        checks=checks,
        form=form,
        needs_reason=any(c.needs_reason for c in present),
        blocked=blocked,
        now=utcnow(),
    )


# --- Retention, legal holds and case closure ---------------------------------------------------


@bp.route("/retention")
@dpo_only
def retention_page() -> ResponseReturnValue:
    return _retention_page(HoldForm(formdata=None))


def _retention_page(
    form: HoldForm,
    status: int = 200,
    policy_form: PolicyForm | None = None,
    apply_form: ApplyRetentionForm | None = None,
) -> ResponseReturnValue:
    plan = retention_preview.preview(today())
    holds = retention.list_holds()
    record(AuditAction.RETENTION_VIEWED, object_type="case", detail=f"due={len(plan.due)}")
    db.session.commit()
    if policy_form is None:
        policy_form = PolicyForm(formdata=None, years=retention.case_policy().years)
    if apply_form is None:
        apply_form = ApplyRetentionForm(formdata=None)
    apply_form.case_ids.data = ",".join(str(i) for i in plan.case_ids)
    return _page(
        "privacy/retention.html",
        status,
        policies=retention.all_policies(),
        plan=plan,
        holds=holds,
        form=form,
        policy_form=policy_form,
        apply_form=apply_form,
        covered=retention_preview.records_covered(),
    )


@bp.route("/retention/apply", methods=["POST"])
@dpo_only
def apply_retention() -> ResponseReturnValue:
    """Delete the cases the DPO saw in the preview (a case that became due since, or was put
    under a hold, is left alone), in a background job: one case per transaction."""
    form = ApplyRetentionForm()
    if not form.validate_on_submit():
        return _retention_page(HoldForm(formdata=None), 400, apply_form=form)
    previewed = form.previewed_ids()
    if previewed is None:
        form.form_errors.append("The list of records could not be read. Check it again below")
        return _retention_page(HoldForm(formdata=None), 400, apply_form=form)
    if not previewed:
        form.form_errors.append("No case is past its retention period: there is nothing to delete")
        return _retention_page(HoldForm(formdata=None), 400, apply_form=form)
    if not form.confirm.data:
        form.confirm.errors = ["Confirm that you have checked the list of records to delete"]
        return _retention_page(HoldForm(formdata=None), 400, apply_form=form)
    still_due = retention.due_case_ids(today(), previewed)
    if not still_due:
        form.form_errors.append(
            "None of these cases is due for deletion any more. Check the list again below"
        )
        return _retention_page(HoldForm(formdata=None), 400, apply_form=form)
    job = jobs.enqueue(
        privacy_jobs.APPLY_RETENTION,
        {"today": today().isoformat(), "case_ids": still_due},
        owner=current_user,
    )
    record(
        AuditAction.RETENTION_APPLY_STARTED,
        object_type="background_job",
        object_id=job.id,
        detail=f"cases={len(still_due)}",
    )
    db.session.commit()
    jobs.dispatch(job)
    return redirect(url_for("jobs.status_page", public_id=job.public_id))


@bp.route("/retention/policy", methods=["POST"])
@dpo_only
def set_policy() -> ResponseReturnValue:
    form = PolicyForm()
    if form.validate_on_submit():
        retention.set_case_years(form.years.data, actor=current_user)
        db.session.commit()
        flash(f"Case records are now kept for {form.years.data} years after the case closed.")
        return redirect(url_for("privacy.retention_page"))
    return _retention_page(HoldForm(formdata=None), 400, policy_form=form)


@bp.route("/retention/holds", methods=["POST"])
@dpo_only
def set_hold() -> ResponseReturnValue:
    form = HoldForm()
    if form.validate_on_submit():
        case = services.find_case_by_reference(form.reference.data)
        if case is None:
            form.reference.errors = [f"No case has the reference {form.reference.data.upper()}"]
        else:
            retention.set_legal_hold(case, form.reason.data, actor=current_user)
            db.session.commit()
            flash(f"Case {case.reference} is now under a legal hold.")
            return redirect(url_for("privacy.retention_page"))
    return _retention_page(form, 400)


@bp.route("/retention/holds/<int:case_id>/lift", methods=["POST"])
@dpo_only
def lift_hold(case_id: int) -> ResponseReturnValue:
    case = get_case_for_dpo_or_404(case_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        retention.lift_legal_hold(case, actor=current_user)
        db.session.commit()
        flash(f"The legal hold on case {case.reference} has been lifted.")
    return redirect(url_for("privacy.retention_page"))


@bp.route("/cases/close", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def close_case() -> ResponseReturnValue:
    form = CloseCaseForm()
    if request.method == "POST":
        valid = form.validate_on_submit()
        closed_on = form.closed_on(today())
        if valid and closed_on is not None:
            case = services.find_case_by_reference(form.reference.data)
            if case is None or not can_close_case(current_user, case):
                form.reference.errors = [
                    f"No case in your area has the reference {form.reference.data.upper()}"
                ]
            else:
                retention.close_case(case, closed_on, actor=current_user)
                db.session.commit()
                flash(f"Case {case.reference} is closed from {closed_on:%-d %B %Y}.")
                return redirect(url_for("privacy.close_case"))
        return _page("privacy/close_case.html", 400, form=form)
    form.reference.data = request.args.get("reference", "")[:20]
    return _page("privacy/close_case.html", form=form)


# --- Privacy notice and accessibility statement --------------------------------------------


@bp.route("/notice")
@signed_in
def notice() -> ResponseReturnValue:
    current = services.current_notice()
    body = services.render_notice(current.body) if current else None
    return _page(
        "privacy/notice.html", notice=current, body=body, can_edit=can_edit_notice(current_user)
    )


@bp.route("/notice/edit", methods=["GET", "POST"])
@roles_required(Role.DPO, Role.ADMIN)
def edit_notice() -> ResponseReturnValue:
    current = services.current_notice()
    form = NoticeForm()
    if request.method == "GET":
        form.body.data = current.body if current else ""
        form.version.data = str(current.version if current else 0)
        return _page("privacy/edit_notice.html", form=form, notice=current)
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = -1
        try:
            services.save_notice(form.body.data, version=version, actor=current_user)
        except ConflictError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _page(
                "privacy/edit_notice.html",
                409,
                form=form,
                notice=services.current_notice(),
                conflict=True,
            )
        db.session.commit()
        flash("The privacy notice has been published.")
        return redirect(url_for("privacy.notice"))
    return _page("privacy/edit_notice.html", 400, form=form, notice=current)


@bp.route("/accessibility")
@public
def accessibility() -> ResponseReturnValue:
    return render_template("privacy/accessibility.html")


# --- Partials for other pages ---------------------------------------------------------------


@bp.app_context_processor
def _privacy_partials() -> dict[str, Any]:
    def dpo_summary() -> dict[str, object] | None:
        if not (current_user.is_authenticated and is_dpo(current_user)):
            return None
        return services.request_summary(today())

    def case_is_restricted(case_id: int) -> bool:
        return restriction.is_restricted(case_id)

    return {"privacy_dpo_summary": dpo_summary, "privacy_case_is_restricted": case_is_restricted}


@bp.app_context_processor
def _erasure_partials() -> dict[str, Any]:
    def recent_erasures() -> list[object]:
        area_id = erasures_area_of(current_user) if current_user.is_authenticated else None
        return list(erasure.recent_erasures(area_id)) if area_id is not None else []

    return {"privacy_recent_erasures": recent_erasures}
