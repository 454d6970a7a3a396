"""Data-subject requests, rectification, erasure and the privacy notice.

Services flush, never commit, and audit with ids and field names only. Callers pass the
acting user. The DPO sees cases in every area (requests may concern any of them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.privacy.models import (
    PrivacyNoticeVersion,
    Rectification,
    RequestStatus,
    SubjectRequest,
    SubjectRequestCase,
    SubjectRight,
    SubjectRole,
)
from marac_app.referrals.models import Case
from marac_app.referrals.people import normalise_name

# --- Requests ------------------------------------------------------------------------------


def statutory_due_date(received_on: date) -> date:
    """One calendar month after receipt: the same day next month, or that month's last day
    when it is shorter (31 January → 28 or 29 February)."""
    return received_on + relativedelta(months=1)


def find_case_by_reference(reference: str) -> Case | None:
    return db.session.scalar(sa.select(Case).where(Case.reference == reference.strip().upper()))


@dataclass
class NewRequest:
    person_name: str
    date_of_birth: date | None
    right: SubjectRight
    received_on: date
    details: str | None
    # Must stay empty: a case is attached from the request page, where the DPO says who the
    # requester is in it (``marac_app.privacy.subjects``). Kept so positional callers work.
    case_references: list[str] = field(default_factory=list)


def log_request(data: NewRequest, *, actor: User) -> SubjectRequest:
    """Log a request. Nothing is attached: the DPO then confirms which records are the
    person's (``marac_app.privacy.subjects.find_matches`` and ``attach``)."""
    if data.case_references:
        raise ServiceError(
            "Attach cases from the request page, where you say who the requester is in each",
            field="case_references",
        )
    request = SubjectRequest(
        person_name=data.person_name,
        date_of_birth=data.date_of_birth,
        right=data.right,
        received_on=data.received_on,
        due_on=statutory_due_date(data.received_on),
        details=data.details,
        status=RequestStatus.OPEN,
        handled_by_id=actor.id,
    )
    db.session.add(request)
    db.session.flush()
    record(
        AuditAction.SUBJECT_REQUEST_LOGGED,
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        detail=f"right={data.right.value}",
    )
    return request


def list_requests() -> list[SubjectRequest]:
    return list(
        db.session.scalars(
            sa.select(SubjectRequest)
            .options(selectinload(SubjectRequest.cases))
            .order_by(SubjectRequest.due_on, SubjectRequest.id)
        )
    )


def update_request(
    request: SubjectRequest,
    *,
    status: RequestStatus,
    decision: str | None,
    reason: str | None,
    version: int,
    actor: User,
    today: date,
) -> None:
    """Record the status, decision and reason. A refusal needs its legal reason."""
    if version != request.version:
        raise ConflictError("Someone else has changed this request since you opened it")
    if status == RequestStatus.REFUSED and not (reason or "").strip():
        raise ServiceError("Enter the legal reason for refusing the request", field="reason")
    if status.is_closed and not (decision or "").strip():
        raise ServiceError("Enter the decision", field="decision")
    request.status = status
    request.decision = decision or None
    request.reason = reason or None
    request.handled_by_id = actor.id
    request.closed_on = today if status.is_closed else None
    db.session.flush()
    record(
        AuditAction.SUBJECT_REQUEST_UPDATED,
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        detail=f"status={status.value}",
    )


def linked_cases(request: SubjectRequest) -> list[tuple[SubjectRequestCase, Case | None]]:
    return [(link, db.session.get(Case, link.case_id)) for link in request.cases]


def request_summary(today: date) -> dict[str, object]:
    """For the DPO home page: open requests, overdue count, next due date."""
    open_requests = list(
        db.session.scalars(
            sa.select(SubjectRequest)
            .where(SubjectRequest.status.in_([RequestStatus.OPEN, RequestStatus.IN_PROGRESS]))
            .order_by(SubjectRequest.due_on)
        )
    )
    return {
        "open": len(open_requests),
        "overdue": sum(1 for r in open_requests if r.due_on < today),
        "next_due": open_requests[0].due_on if open_requests else None,
    }


# --- Rectification ----------------------------------------------------------------------------

# The refusal RectifyForm gives too (privacy/forms.py).
DETAIL_TO_CORRECT_MISSING = "Select the detail to correct"

RECTIFIABLE = {
    "full_name": "Full name",
    "aliases": "Other names",
    "date_of_birth": "Date of birth",
    "address": "Address",
    "safe_phone": "Safe phone number",
    "safe_email": "Safe email address",
    "language": "Language",
}


def rectify_victim(
    case: Case,
    *,
    field: str,
    new_value: str,
    reason: str,
    actor: User,
    request: SubjectRequest | None = None,
) -> int:
    """Correct ``field`` of the victim on every referral of ``case``, keeping history (who,
    when, why, old value). Returns the number of records changed. Refused under a
    ``request`` whose requester is someone else in the case (an alleged perpetrator …)."""
    if field not in RECTIFIABLE:
        raise ServiceError(DETAIL_TO_CORRECT_MISSING, field="field")
    link = next((c for c in request.cases if c.case_id == case.id), None) if request else None
    if link is not None and link.subject_role not in (None, SubjectRole.VICTIM):
        # Someone else's request never changes the victim's record.
        raise ServiceError(
            "Only the victim's own request can correct her details: the "
            f"requester is the {link.subject_role.label.lower()} in this case",
            field="field",
        )
    value: object = new_value.strip() or None
    if field == "full_name" and value is None:
        raise ServiceError("Enter the corrected full name", field="new_value")
    if field == "date_of_birth" and value is not None:
        try:
            value = date.fromisoformat(str(value))
        except ValueError as error:
            raise ServiceError(
                "Enter the date of birth as YYYY-MM-DD, for example 1990-03-27", field="new_value"
            ) from error
    changed = 0
    for referral in case.referrals:
        victim = referral.victim
        if victim is None:
            continue
        old = getattr(victim, field)
        if old == value:
            continue
        db.session.add(
            Rectification(
                person_id=victim.id,
                request_id=request.id if request else None,
                field=field,
                old_value=None if old is None else str(old),
                new_value=None if value is None else str(value),
                reason=reason,
                by_id=actor.id,
                at=utcnow(),
            )
        )
        setattr(victim, field, value)
        if field == "full_name":
            victim.normalised_name = normalise_name(str(value))
        changed += 1
    db.session.flush()
    record(
        AuditAction.VICTIM_RECTIFIED,
        actor=actor,
        object_type="case",
        object_id=case.id,
        detail=f"field={field} records={changed}",
    )
    return changed


def rectification_history(case: Case) -> list[Rectification]:
    victim_ids = [r.victim.id for r in case.referrals if r.victim is not None]
    return list(
        db.session.scalars(
            sa.select(Rectification)
            .where(Rectification.person_id.in_(victim_ids))
            .options(selectinload(Rectification.by))
            .order_by(Rectification.id)
        )
    )


# --- Erasure ----------------------------------------------------------------------------------
# Erasure (its consequences, refusals, tombstones and the coordinators' notice) lives in
# ``marac_app.privacy.erasure``.


# --- Privacy notice ---------------------------------------------------------------------------


def current_notice() -> PrivacyNoticeVersion | None:
    return db.session.scalar(
        sa.select(PrivacyNoticeVersion).order_by(PrivacyNoticeVersion.version.desc()).limit(1)
    )


def save_notice(body: str, *, version: int | None, actor: User) -> PrivacyNoticeVersion:
    """Add a new version of the notice. ``version`` is the version the editor started from."""
    latest = current_notice()
    latest_version = latest.version if latest else 0
    if version is not None and version != latest_version:
        raise ConflictError("Someone else has published a new version since you opened it")
    notice = PrivacyNoticeVersion(version=latest_version + 1, body=body, created_by_id=actor.id)
    db.session.add(notice)
    db.session.flush()
    record(
        AuditAction.PRIVACY_NOTICE_PUBLISHED,
        actor=actor,
        object_type="privacy_notice",
        object_id=notice.version,
    )
    return notice


_URL = re.compile(r"https://[^\s<>\"'&]+[^\s<>\"'&.,;:)]")


def _inline(text: str) -> Markup:
    """Escaped text with https:// addresses made into links."""
    out = Markup("")
    position = 0
    for match in _URL.finditer(text):
        out += escape(text[position : match.start()])
        out += Markup('<a class="govuk-link" href="{0}">{0}</a>').format(match.group(0))
        position = match.end()
    return out + escape(text[position:])


def render_notice(body: str) -> Markup:
    """Simple Markdown-like text → safe HTML: text is escaped first, then blank-line blocks
    become paragraphs, "## " lines headings, "- " lines lists and "1. " lines numbered lists."""
    parts: list[Markup] = []
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = Markup("").join(
                Markup("<li>{}</li>").format(_inline(line[2:].strip())) for line in lines
            )
            parts.append(Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(items))
        elif all(re.match(r"\d+\. ", line) for line in lines):
            items = Markup("").join(
                Markup("<li>{}</li>").format(_inline(line.split(". ", 1)[1])) for line in lines
            )
            parts.append(Markup('<ol class="govuk-list govuk-list--number">{}</ol>').format(items))
        elif lines[0].startswith("#"):
            heading = lines[0].lstrip("#").strip()
            parts.append(Markup('<h2 class="govuk-heading-m">{}</h2>').format(_inline(heading)))
            if lines[1:]:
                parts.append(
                    Markup('<p class="govuk-body">{}</p>').format(_inline(" ".join(lines[1:])))
                )
        else:
            parts.append(Markup('<p class="govuk-body">{}</p>').format(_inline(" ".join(lines))))
    return Markup("").join(parts)
