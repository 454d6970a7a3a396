"""Pages for audit review: search the trail, who has viewed a case, CSV export.

Administrators and the Data Protection Officer only. Every search, review and export is
itself audited (filter names only, never the values searched for).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from marac_app.audit_actions import AuditAction
from marac_app.audit_review import services
from marac_app.audit_review.forms import AuditSearchForm, CaseViewsForm
from marac_app.audit_review.permissions import REVIEWER_ROLES, can_review_audit
from marac_app.auth.models import Role
from marac_app.common.ids import parse_id
from marac_app.common.transaction import Read, audit_read, render_read
from marac_app.permissions import roles_required

bp = Blueprint("audit_review", __name__)

reviewers_only = roles_required(*REVIEWER_ROLES)

SEARCH_FIELDS = (
    "actor",
    "case_reference",
    "object_type",
    "object_id",
    "action",
    "outcome",
    "from_date-day",
    "from_date-month",
    "from_date-year",
    "to_date-day",
    "to_date-month",
    "to_date-year",
)


def role_label(value: str | None) -> str:
    try:
        return Role(value).label if value else ""
    except ValueError:
        return value or ""


@bp.app_context_processor
def _audit_review_helpers() -> dict[str, object]:
    return {"can_review_audit": can_review_audit, "audit_role_label": role_label}


def _search_args() -> dict[str, str]:
    """The current search as query arguments (for paging and export links)."""
    return {name: request.args[name] for name in SEARCH_FIELDS if request.args.get(name)}


def _before() -> int | None:
    value = request.args.get("before", "")
    return parse_id(value)  # an audit event id; anything else starts from the newest


def _refused_search(form: AuditSearchForm) -> ResponseReturnValue:
    """The search page again with the form's errors (400); nothing was searched or read."""
    return render_template(
        "audit_review/index.html",
        form=form,
        rows=None,
        next_before=None,
        search_args=_search_args(),
    ), 400


@bp.route("/")
@reviewers_only
def index() -> ResponseReturnValue:
    form = AuditSearchForm(formdata=request.args)
    if not form.validate():
        return _refused_search(form)
    assert form.filters is not None
    before = _before()
    rows, next_before = services.search(form.filters, before_id=before)
    return render_read(
        "audit_review/index.html",
        audit=services.search_read(form.filters, rows=len(rows), page=before is not None),
        form=form,
        rows=rows,
        next_before=next_before,
        paged=before is not None,
        search_args=_search_args(),
    )


@bp.route("/export.csv")
@reviewers_only
def export_csv() -> ResponseReturnValue:
    form = AuditSearchForm(formdata=request.args)
    if not form.validate():
        return _refused_search(form)
    assert form.filters is not None
    text, read = services.export_csv(form.filters)
    audit_read(read)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-trail-{stamp}.csv"'},
    )


@bp.route("/case-views")
@reviewers_only
def case_views() -> ResponseReturnValue:
    form = CaseViewsForm(formdata=request.args)
    if "reference" not in request.args:
        return render_template("audit_review/case_views.html", form=form, viewers=None)
    if not form.validate():
        return render_template("audit_review/case_views.html", form=form, viewers=None), 400
    assert form.case_id is not None
    viewers = services.case_viewers(form.case_id)
    reference = form.reference.data.upper()
    erased = services.find_erased_case(reference)
    return render_read(
        "audit_review/case_views.html",
        audit=Read(
            AuditAction.CASE_ACCESS_REVIEWED,
            object_type="marac_case",
            object_id=form.case_id,
            detail=f"viewers={len(viewers)}",
        ),
        form=form,
        viewers=viewers,
        reference=reference,
        erased=erased if erased and erased.case_id == form.case_id else None,
    )
