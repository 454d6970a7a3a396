"""Pages for data protection, mounted at /privacy.

Data-subject requests (here and in subject_views.py), retention and legal holds
(retention_views.py) are for the Data Protection Officer only; the privacy notice is read by
every signed-in user; the accessibility statement is public (GOV.UK practice: people must be
able to read it before signing in). Every read of personal data is audited (ids only, with
every case the page shows) by ``render_read``; every change runs through ``attempt`` (one
commit, or a rollback and the error on the form).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import Form

from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.time import london_today
from marac_app.common.transaction import Read, attempt
from marac_app.db import utcnow
from marac_app.jobs import services as jobs
from marac_app.jobs.models import BackgroundJob
from marac_app.permissions import public, roles_required, signed_in
from marac_app.privacy import (
    erasure,
    retention,
    retention_views,
    review,
    services,
    subject_views,
)
from marac_app.privacy import jobs as privacy_jobs
from marac_app.privacy.forms import (
    ConfirmForm,
    DecisionForm,
    EraseForm,
    NoticeForm,
    ReasonForm,
    RectifyForm,
    RequestForm,
)
from marac_app.privacy.models import RequestStatus, SubjectRequest, SubjectRight
from marac_app.privacy.pages import page, read_page
from marac_app.privacy.permissions import (
    can_edit_notice,
    erasures_area_of,
    get_linked_case_or_404,
    get_request_or_404,
    is_dpo,
)
from marac_app.referrals import restriction

bp = Blueprint("privacy", __name__)
# Finding a requester's records, reviewing passages and the export (privacy/subject_views.py).
subject_views.register(bp)
# Retention, legal holds and case closure (privacy/retention_views.py).
retention_views.register(bp)

dpo_only = roles_required(Role.DPO)


# --- Data-subject requests --------------------------------------------------------------------


@bp.route("/requests")
@dpo_only
def requests() -> ResponseReturnValue:
    found = services.list_requests()
    return read_page(
        "privacy/requests.html",
        Read(AuditAction.SUBJECT_REQUESTS_VIEWED, "subject_request", detail=f"rows={len(found)}"),
        requests=found,
        today=london_today(),
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@dpo_only
def new_request() -> ResponseReturnValue:
    form = RequestForm()
    if request.method == "POST":
        if form.validate_on_submit():
            logged = attempt(
                lambda: services.log_request(
                    services.NewRequest(
                        person_name=form.person_name.data,
                        date_of_birth=form.date_of_birth.data,
                        right=SubjectRight(form.right.data),
                        received_on=form.received_on.required_date,
                        details=form.details.data or None,
                    ),
                    actor=current_user,
                ),
                form,
            )
            if (saved := logged.value) is not None:
                flash(f"Request {saved.id} has been logged. It is due by {saved.due_on:%-d %B %Y}.")
                return redirect(url_for("privacy.subject_matches", request_id=saved.id))
        return page("privacy/new_request.html", 400, form=form)
    return page("privacy/new_request.html", form=form)


def _detail_context(found: SubjectRequest, **forms: Any) -> dict[str, Any]:
    links = services.linked_cases(found)
    cases = [case for _, case in links if case is not None]
    return {
        "req": found,
        "links": links,
        "today": london_today(),
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


def _detail_page(
    found: SubjectRequest, status: int = 200, detail: str | None = None, **context: Any
) -> ResponseReturnValue:
    """The request page, audited as a read of the request and of every case attached."""
    context = {**_detail_context(found, **context), **context}
    audit = Read(
        AuditAction.SUBJECT_REQUEST_VIEWED,
        "subject_request",
        found.id,
        case_ids=[case.id for _, case in context["links"] if case is not None],
        detail=detail,
    )
    return read_page("privacy/request.html", audit, status, **context)


def _decision_form(found: SubjectRequest) -> DecisionForm:
    form = DecisionForm(formdata=None, obj=found)
    form.status.data = found.status.value
    form.version.data = str(found.version)
    return form


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@dpo_only
def request_detail(request_id: int) -> ResponseReturnValue:
    found = get_request_or_404(request_id, current_user)
    if request.method == "GET":
        return _detail_page(found)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = -1
        updated = attempt(
            lambda: services.update_request(
                found,
                status=RequestStatus(form.status.data),
                decision=form.decision.data,
                reason=form.reason.data,
                version=version,
                actor=current_user,
                today=london_today(),
            ),
            form,
        )
        if updated:
            flash("The request has been updated.")
            return redirect(url_for("privacy.request_detail", request_id=found.id))
        if updated.conflict:
            found = get_request_or_404(request_id, current_user)
            return _detail_page(found, 409, "conflict", decision_form=form, conflict=True)
    found = get_request_or_404(request_id, current_user)
    return _detail_page(found, 400, decision_form=form)


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
    case = get_linked_case_or_404(found, _form_case_id(form), current_user)
    if form.validate_on_submit():
        rectified = attempt(
            lambda: services.rectify_victim(
                case,
                field=form.field.data,
                new_value=form.new_value.data or "",
                reason=form.reason.data,
                actor=current_user,
                request=found,
            ),
            form,
        )
        if rectified:
            flash(
                f"{services.RECTIFIABLE[form.field.data]} corrected on {rectified.value} "
                f"record(s) of case {case.reference}."
            )
            return redirect(url_for("privacy.request_detail", request_id=found.id))
    # The refused form again (the request page it came from was audited when it was shown).
    found = get_request_or_404(request_id, current_user)
    return page("privacy/request.html", 400, **_detail_context(found, rectify_form=form))


@bp.route("/requests/<int:request_id>/restrict", methods=["POST"])
@dpo_only
def restrict(request_id: int) -> ResponseReturnValue:
    found = get_request_or_404(request_id, current_user)
    form = ReasonForm()
    case = get_linked_case_or_404(found, _form_case_id(form), current_user)
    if form.validate_on_submit() and attempt(
        lambda: restriction.restrict(
            case, form.reason.data, actor=current_user, request_id=found.id
        ),
        form,
    ):
        flash(f"Processing of case {case.reference} is now restricted.")
        return redirect(url_for("privacy.request_detail", request_id=found.id))
    found = get_request_or_404(request_id, current_user)
    return page("privacy/request.html", 400, **_detail_context(found, reason_form=form))


@bp.route("/requests/<int:request_id>/lift-restriction", methods=["POST"])
@dpo_only
def lift_restriction(request_id: int) -> ResponseReturnValue:
    found = get_request_or_404(request_id, current_user)
    form = ConfirmForm()
    case = get_linked_case_or_404(found, _form_case_id(form), current_user)
    if not form.validate_on_submit():
        flash("Your form could not be sent. Try again", "error")
        return redirect(url_for("privacy.request_detail", request_id=found.id))
    lifted = attempt(lambda: restriction.lift_restriction(case, actor=current_user))
    if lifted:
        flash(f"The restriction on case {case.reference} has been lifted.")
    elif lifted.error is not None:
        flash(lifted.error.message, "error")
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
    if not form.validate_on_submit():
        return _erase_page(found, form, 400)

    def erase_and_notify() -> tuple[int, BackgroundJob | None]:
        outcome = erasure.erase_cases(
            found,
            actor=current_user,
            today=london_today(),
            confirmed=bool(form.confirm.data),
            reason=form.reason.data,
        )
        job = None
        if outcome.area_ids:
            job = jobs.enqueue(
                privacy_jobs.ERASURE_NOTICE,
                {"area_ids": outcome.area_ids, "request_id": found.id},
                owner=current_user,
            )
        return outcome.rows, job

    erased = attempt(erase_and_notify, form)
    if erased.value is None:
        # A missing confirmation or reason is the form's (400); any other refusal is the
        # state of the records (409).
        status = 400 if erased.error is not None and erased.error.field else 409
        return _erase_page(get_request_or_404(request_id, current_user), form, status)
    rows, job = erased.value
    flash(
        f"Erasure carried out: {rows} record(s) deleted. The references are kept "
        "and will not be given again. Anonymous statistics were kept."
    )
    if job is not None:
        jobs.dispatch(job)
        return redirect(url_for("jobs.status_page", public_id=job.public_id))
    return redirect(url_for("privacy.request_detail", request_id=request_id))


def _erase_page(found: SubjectRequest, form: EraseForm, status: int = 200) -> ResponseReturnValue:
    checks = erasure.consequences(found)
    present = [c for c in checks if c.case is not None]
    blocked = (
        found.right != SubjectRight.ERASURE
        or found.status.is_closed
        or not present
        or any(c.refusal for c in present)
    )
    return read_page(
        "privacy/erase.html",
        Read(
            AuditAction.ERASURE_CONSEQUENCES_VIEWED,
            "subject_request",
            found.id,
            case_ids=[c.case.id for c in present if c.case is not None],
            detail=f"cases={len(present)}",
        ),
        status,
        req=found,
        checks=checks,
        form=form,
        needs_reason=any(c.needs_reason for c in present),
        blocked=blocked,
        now=utcnow(),
    )


# --- Privacy notice and accessibility statement --------------------------------------------


@bp.route("/notice")
@signed_in
def notice() -> ResponseReturnValue:
    current = services.current_notice()
    body = services.render_notice(current.body) if current else None
    return page(
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
        return page("privacy/edit_notice.html", form=form, notice=current)
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = -1
        saved = attempt(
            lambda: services.save_notice(form.body.data, version=version, actor=current_user),
            form,
        )
        if saved:
            flash("The privacy notice has been published.")
            return redirect(url_for("privacy.notice"))
        if saved.conflict:
            return page(
                "privacy/edit_notice.html",
                409,
                form=form,
                notice=services.current_notice(),
                conflict=True,
            )
    return page("privacy/edit_notice.html", 400, form=form, notice=current)


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
        return services.request_summary(london_today())

    def case_is_restricted(case_id: int) -> bool:
        return restriction.is_restricted(case_id)

    return {"privacy_dpo_summary": dpo_summary, "privacy_case_is_restricted": case_is_restricted}


@bp.app_context_processor
def _erasure_partials() -> dict[str, Any]:
    def recent_erasures() -> list[object]:
        area_id = erasures_area_of(current_user) if current_user.is_authenticated else None
        return list(erasure.recent_erasures(area_id)) if area_id is not None else []

    return {"privacy_recent_erasures": recent_erasures}
