"""Retention, legal holds and case closure, mounted on the privacy blueprint by
``register(bp)`` (called from ``marac_app.privacy.views``; endpoints ``privacy.<function>``).

- ``retention_page``: the retention policy, what is past its retention period (a preview, with
  every case it shows audited), the legal holds; the Data Protection Officer only.
- ``apply_retention``: delete what the preview showed, once confirmed, in a background job.
- ``set_policy``, ``set_hold``, ``lift_hold``: change the policy; put a case under a legal
  hold or lift one (DPO).
- ``close_case``: a coordinator closes a case of their area from a date (its retention period
  runs from then).

Every change runs through ``attempt`` (one commit, or a rollback and the error on the form).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.time import london_today
from marac_app.common.transaction import Read, attempt
from marac_app.jobs import services as jobs
from marac_app.permissions import roles_required
from marac_app.privacy import jobs as privacy_jobs
from marac_app.privacy import retention, retention_preview, services
from marac_app.privacy.forms import (
    ApplyRetentionForm,
    CloseCaseForm,
    ConfirmForm,
    HoldForm,
    PolicyForm,
)
from marac_app.privacy.pages import page, read_page
from marac_app.privacy.permissions import find_case_to_close, get_case_for_dpo_or_404

dpo_only = roles_required(Role.DPO)


@dpo_only
def retention_page() -> ResponseReturnValue:
    return _retention_page(HoldForm(formdata=None))


def _retention_page(
    form: HoldForm,
    status: int = 200,
    policy_form: PolicyForm | None = None,
    apply_form: ApplyRetentionForm | None = None,
) -> ResponseReturnValue:
    plan = retention_preview.preview(london_today())
    holds = retention.list_holds()
    if policy_form is None:
        policy_form = PolicyForm(formdata=None, years=retention.case_policy().years)
    if apply_form is None:
        apply_form = ApplyRetentionForm(formdata=None)
    apply_form.case_ids.data = ",".join(str(i) for i in plan.case_ids)
    shown = dict.fromkeys([*plan.case_ids, *(case.id for _hold, case in holds)])
    return read_page(
        "privacy/retention.html",
        Read(
            AuditAction.RETENTION_VIEWED,
            "case",
            case_ids=list(shown),
            detail=f"due={len(plan.due)}",
        ),
        status,
        policies=retention.all_policies(),
        plan=plan,
        holds=holds,
        form=form,
        policy_form=policy_form,
        apply_form=apply_form,
        covered=retention_preview.records_covered(),
    )


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
    today = london_today()
    still_due = retention.due_case_ids(today, previewed)
    if not still_due:
        form.form_errors.append(
            "None of these cases is due for deletion any more. Check the list again below"
        )
        return _retention_page(HoldForm(formdata=None), 400, apply_form=form)
    started = attempt(
        lambda: privacy_jobs.start_retention(today, still_due, owner=current_user), form
    )
    if (job := started.value) is None:
        return _retention_page(HoldForm(formdata=None), 400, apply_form=form)
    jobs.dispatch(job)
    return redirect(url_for("jobs.status_page", public_id=job.public_id))


@dpo_only
def set_policy() -> ResponseReturnValue:
    form = PolicyForm()
    if form.validate_on_submit() and attempt(
        lambda: retention.set_case_years(form.years.data, actor=current_user), form
    ):
        flash(f"Case records are now kept for {form.years.data} years after the case closed.")
        return redirect(url_for("privacy.retention_page"))
    return _retention_page(HoldForm(formdata=None), 400, policy_form=form)


@dpo_only
def set_hold() -> ResponseReturnValue:
    form = HoldForm()
    if form.validate_on_submit():
        case = services.find_case_by_reference(form.reference.data)
        if case is None:
            form.reference.errors = [f"No case has the reference {form.reference.data.upper()}"]
        elif attempt(
            lambda: retention.set_legal_hold(case, form.reason.data, actor=current_user), form
        ):
            flash(f"Case {case.reference} is now under a legal hold.")
            return redirect(url_for("privacy.retention_page"))
    return _retention_page(form, 400)


@dpo_only
def lift_hold(case_id: int) -> ResponseReturnValue:
    case = get_case_for_dpo_or_404(case_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        lifted = attempt(lambda: retention.lift_legal_hold(case, actor=current_user))
        if lifted:
            flash(f"The legal hold on case {case.reference} has been lifted.")
        elif lifted.error is not None:
            flash(lifted.error.message, "error")
    return redirect(url_for("privacy.retention_page"))


@roles_required(Role.COORDINATOR)
def close_case() -> ResponseReturnValue:
    form = CloseCaseForm()
    if request.method == "POST":
        if form.validate_on_submit():
            closed_on = form.closed_on.required_date
            case = find_case_to_close(form.reference.data, current_user)
            if case is None:
                form.reference.errors = [
                    f"No case in your area has the reference {form.reference.data.upper()}"
                ]
            elif attempt(lambda: retention.close_case(case, closed_on, actor=current_user), form):
                flash(f"Case {case.reference} is closed from {closed_on:%-d %B %Y}.")
                return redirect(url_for("privacy.close_case"))
        return page("privacy/close_case.html", 400, form=form)
    form.reference.data = request.args.get("reference", "")[:20]
    return page("privacy/close_case.html", form=form)


def register(bp: Blueprint) -> None:
    """Mount these pages on the privacy blueprint (endpoints ``privacy.<function>``)."""
    bp.add_url_rule("/retention", view_func=retention_page)
    bp.add_url_rule("/retention/apply", view_func=apply_retention, methods=["POST"])
    bp.add_url_rule("/retention/policy", view_func=set_policy, methods=["POST"])
    bp.add_url_rule("/retention/holds", view_func=set_hold, methods=["POST"])
    bp.add_url_rule("/retention/holds/<int:case_id>/lift", view_func=lift_hold, methods=["POST"])
    bp.add_url_rule("/cases/close", view_func=close_case, methods=["GET", "POST"])
