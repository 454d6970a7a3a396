"""Pages for answering a subject access request, mounted on the privacy blueprint by
``register(bp)`` (called from ``marac_app.privacy.views``). The DPO only.

1. ``subject_matches``: the records found for the person in every role and area; the DPO
   ticks those that are the requester's and confirms — nothing is attached before that.
2. ``add_case``: a case found by its reference; the DPO says which person in it (or which
   referrer) the requester is. There is no default.
3. ``review_case``: each passage that would be released, with its decision (disclose, redact
   words, withhold under an exemption).
4. ``export_case``: the reviewed copy as JSON or PDF; refused until every passage is decided.

Each read is audited (ids only, with every case it shows) by ``render_read`` before it is
rendered; every change runs through ``attempt``: a refused change is rolled back and the page
shown again with the error (HTTP 400, or 409 for an export not yet allowed).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role
from marac_app.common.errors import ServiceError
from marac_app.common.forms import has_control_characters
from marac_app.common.transaction import Read, attempt, audit_read
from marac_app.permissions import deny, roles_required
from marac_app.privacy import export, review, services, subjects
from marac_app.privacy.models import Exemption, SubjectRequest, SubjectRequestCase, SubjectRight
from marac_app.privacy.pages import no_store, read_page
from marac_app.privacy.permissions import get_link_and_case_or_404, get_request_or_404
from marac_app.privacy.subject_forms import AttachForm, PassageForm
from marac_app.referrals.models import Case

dpo_only = roles_required(Role.DPO)
EXPORT_RIGHTS = {SubjectRight.ACCESS: ("json", "pdf"), SubjectRight.PORTABILITY: ("json",)}


# --- Finding and attaching the requester's records --------------------------------------------


def _matches_page(
    found: SubjectRequest, form: AttachForm, status: int = 200, reference_error: str | None = None
) -> ResponseReturnValue:
    matches = subjects.find_matches(found.person_name, found.date_of_birth)
    attached = {link.case_id: link for link in found.cases}
    return read_page(
        "privacy/matches.html",
        Read(
            AuditAction.SUBJECT_MATCHES_VIEWED,
            "subject_request",
            found.id,
            case_ids=list(dict.fromkeys([*(m.case_id for m in matches), *attached])),
            detail=f"matches={len(matches)}",
        ),
        status,
        req=found,
        matches=matches,
        offered=[m for m in matches if m.case_id not in attached],
        attached=attached,
        form=form,
        reference_error=reference_error,
    )


@dpo_only
def subject_matches(request_id: int) -> ResponseReturnValue:
    """GET: what the search found; POST: attach the ticked records."""
    found = get_request_or_404(request_id, current_user)
    if request.method == "GET":
        return _matches_page(found, AttachForm(formdata=None))
    form = AttachForm()
    if form.validate_on_submit():
        shown = {m.value for m in subjects.find_matches(found.person_name, found.date_of_birth)}
        attached = attempt(
            lambda: subjects.attach_all(
                found, list(form.records.data or []), actor=current_user, allowed=shown
            ),
            form,
        )
        if (links := attached.value) is not None:
            flash(
                f"{len(links)} {'record' if len(links) == 1 else 'records'} attached. Review "
                "each case before anything is released."
            )
            return redirect(url_for("privacy.request_detail", request_id=found.id))
    return _matches_page(get_request_or_404(request_id, current_user), form, 400)


def _reference() -> tuple[str, str | None]:
    """The case reference typed into the look-up (cleaned) and what is wrong with it."""
    typed = request.values.get("reference", "")
    if has_control_characters(typed):
        return "", "The case reference must not contain line breaks or control characters"
    reference = typed.strip().upper()
    if not reference:
        return "", "Enter the case reference, for example CAM-2026-0042"
    if len(reference) > 20:
        return reference[:20], "Case reference must be 20 characters or fewer"
    return reference, None


def _case_page(found: SubjectRequest, form: AttachForm, status: int = 200) -> ResponseReturnValue:
    reference, problem = _reference()
    case = services.find_case_by_reference(reference) if problem is None else None
    if problem is None and case is None:
        problem = f"No case has the reference {reference}"
    if case is None:
        # The look-up itself is recorded (the matches page then records its own read).
        record(
            AuditAction.SUBJECT_MATCHES_VIEWED,
            object_type="subject_request",
            object_id=found.id,
            detail="reference=not_found",
        )
        return _matches_page(found, AttachForm(formdata=None), 400, reference_error=problem)
    choices = subjects.choices_in_case(case)
    return read_page(
        "privacy/add_case.html",
        Read(AuditAction.CASE_PEOPLE_VIEWED, "case", case.id, detail=f"request={found.id}"),
        status,
        req=found,
        case=case,
        choices=choices,
        link=subjects.link_for(found, case.id),
        form=form,
    )


@dpo_only
def add_case(request_id: int) -> ResponseReturnValue:
    """GET ``?reference=``: the people in that case, to choose the requester; POST: attach."""
    found = get_request_or_404(request_id, current_user)
    if request.method == "GET":
        return _case_page(found, AttachForm(formdata=None))
    form = AttachForm()
    reference, problem = _reference()
    case = services.find_case_by_reference(reference) if problem is None else None
    if form.validate_on_submit() and case is not None:
        shown = {c.value for c in subjects.choices_in_case(case)}
        values = list(form.records.data or [])
        chosen = case

        def attach_one() -> list[SubjectRequestCase]:
            if not values:
                raise ServiceError(
                    f"Select who the requester is in case {chosen.reference}", field="records"
                )
            if len(values) > 1:
                raise ServiceError(
                    "Select one person: the requester has one role in a case", field="records"
                )
            return subjects.attach_all(found, values, actor=current_user, allowed=shown)

        if attempt(attach_one, form):
            flash(f"Case {case.reference} attached. Review it before anything is released.")
            return redirect(url_for("privacy.request_detail", request_id=found.id))
    return _case_page(get_request_or_404(request_id, current_user), form, 400)


# --- Reviewing passages and exporting ----------------------------------------------------------


def _review_errors(form: PassageForm | None, problem: str | None) -> list[dict[str, str]]:
    """The error summary's items, each linking to the field of the passage it is about."""
    errors = [{"text": problem, "href": "#passages"}] if problem else []
    if form is None:
        return errors
    anchor = "passage-" + (form.passage.data or "").replace(":", "-")
    errors += [{"text": message} for message in form.form_errors]
    for name in ("decision", "redactions", "exemption", "note"):
        if form[name].errors:
            errors.append({"text": form[name].errors[0], "href": f"#{anchor}-{name}"})
    if form.passage.errors:
        errors.append({"text": "Choose a passage from the page"})
    if form.csrf_token.errors:
        errors.append({"text": "Your form could not be sent. Try again"})
    return errors


def _review_page(
    found: SubjectRequest,
    link: SubjectRequestCase,
    case: Case,
    *,
    status: int = 200,
    form: PassageForm | None = None,
    problem: str | None = None,
) -> ResponseReturnValue:
    states = review.states(link, case)
    records = export.requester_records(link, case)
    refused = " refused" if status == 409 else ""
    return read_page(
        "privacy/review.html",
        Read(
            AuditAction.SUBJECT_REVIEW_VIEWED,
            "case",
            case.id,
            detail=f"request={found.id} passages={len(states)}{refused}",
        ),
        status,
        req=found,
        link=link,
        case=case,
        states=states,
        progress=review.progress(states),
        records=records,
        name=export.requester_name(link, case),
        form=form,
        problem=problem,
        errors=_review_errors(form, problem),
        formats=EXPORT_RIGHTS.get(found.right, ()),
        redacted=review.REDACTED,
        preview=review.redact,
        exemptions=list(Exemption),
    )


@dpo_only
def review_case(request_id: int, case_id: int) -> ResponseReturnValue:
    """GET: every passage with its decision; POST: the decision on one passage."""
    found = get_request_or_404(request_id, current_user)
    link, case = get_link_and_case_or_404(found, case_id, current_user)
    if request.method == "GET":
        return _review_page(found, link, case)
    form = PassageForm()
    if form.validate_on_submit():
        key = form.passage.data or ""
        decided = attempt(
            lambda: review.decide(
                found,
                link,
                case,
                passage_key=key,
                decision=form.chosen_decision(),
                redactions=review.phrases(form.redactions.data),
                exemption=form.chosen_exemption(),
                note=form.note.data,
                actor=current_user,
            ),
            form,
        )
        if decided:
            flash("Decision saved.")
            return redirect(
                url_for(
                    "privacy.review_case",
                    request_id=found.id,
                    case_id=case.id,
                    _anchor="passage-" + key.replace(":", "-"),
                )
            )
    found = get_request_or_404(request_id, current_user)
    link, case = get_link_and_case_or_404(found, case_id, current_user)
    return _review_page(found, link, case, status=400, form=form)


@dpo_only
def export_case(request_id: int, case_id: int, fmt: str) -> ResponseReturnValue:
    """The reviewed copy (JSON for access and portability, PDF for access); the review page
    with the reason, HTTP 409, until the requester is identified and every passage decided."""
    found = get_request_or_404(request_id, current_user)
    if fmt not in EXPORT_RIGHTS.get(found.right, ()):
        deny(f"export:{fmt}", object_type="subject_request", object_id=request_id)
    link, case = get_link_and_case_or_404(found, case_id, current_user)
    built = attempt(lambda: export.subject_export(link, case))
    if (data := built.value) is None:
        problem = built.error.message if built.error is not None else None
        return _review_page(found, link, case, status=409, problem=problem)
    audit_read(
        Read(
            AuditAction.SUBJECT_EXPORT_DOWNLOADED,
            "case",
            case.id,
            detail=f"request={found.id} format={fmt}",
        )
    )
    if fmt == "json":
        response = Response(export.export_json(data), mimetype="application/json")
    else:
        response = Response(export.export_pdf(data), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="subject-request-{found.id}-{case.reference}.{fmt}"'
    )
    return no_store(response)


def register(bp: Blueprint) -> None:
    """Mount these pages on the privacy blueprint (endpoints ``privacy.<function>``)."""
    bp.add_url_rule(
        "/requests/<int:request_id>/matches", view_func=subject_matches, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/requests/<int:request_id>/add-case", view_func=add_case, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        "/requests/<int:request_id>/cases/<int:case_id>/review",
        view_func=review_case,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/requests/<int:request_id>/cases/<int:case_id>/export.<fmt>", view_func=export_case
    )
