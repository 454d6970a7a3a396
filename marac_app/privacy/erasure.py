"""Erasure under a data-subject request: what it would do, the refusals, the erasure itself
and telling the area's coordinators.

The DPO first sees, for each linked case, the upcoming meetings whose case list it is on, its
open actions and the copies of minutes agencies hold (counted by agency), and any legal hold.
Erasure is refused:

- for a case under a legal hold;
- for a case the requester is linked to in a role other than victim (erasing the case would
  erase the victim's record because, say, the alleged perpetrator asked);
- for an open case on an upcoming meeting's case list, unless the DPO records why (the reason
  is kept with the request; the audit event names the field only);
- without an explicit confirmation.

Each erased case leaves a tombstone (``ErasedCase``), so its reference is never given again.
The coordinators are told by email that *a case in their area* was erased — emails never
carry case data (``marac_app.mail``) — and see its reference on their home page.

Services flush, never commit, audit with ids and field names only; callers pass the actor.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from marac_app import mail
from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.agencies.models import Agency, MaracArea
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.db import utcnow
from marac_app.distribution.models import DocumentCopy
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.privacy import retention
from marac_app.privacy.models import (
    CaseLegalHold,
    RequestStatus,
    SubjectRequest,
    SubjectRequestCase,
    SubjectRight,
    SubjectRole,
)
from marac_app.referrals.models import AgendaItem, Case, CaseStatus, ErasedCase, ErasureBasis

logger = logging.getLogger(__name__)

REASON_MAX = 2000
# How long an erased reference stays on the coordinator's home page.
RECENT_DAYS = 90


@dataclass(frozen=True)
class AgencyCount:
    agency: str
    count: int


@dataclass
class CaseConsequences:
    """What erasing one linked case would do. ``case`` is None once it is gone."""

    link: SubjectRequestCase
    case: Case | None
    upcoming: list[Meeting] = field(default_factory=list)
    open_actions: list[AgencyCount] = field(default_factory=list)
    copies: list[AgencyCount] = field(default_factory=list)
    legal_hold: CaseLegalHold | None = None
    refusal: str | None = None

    @property
    def needs_reason(self) -> bool:
        """Open and on an upcoming case list: erased only with a recorded reason."""
        return self.case is not None and self.case.status == CaseStatus.OPEN and bool(self.upcoming)


def _role_refusal(link: SubjectRequestCase) -> str | None:
    """Why the case cannot be erased because of who the requester is in it (None: the victim,
    or a link made before roles were recorded, which only ever named the victim)."""
    role = link.subject_role
    if role is None or role == SubjectRole.VICTIM:
        return None
    words = {SubjectRole.REFERRER: "professional who made the referral"}.get(
        role, role.label.lower()
    )
    return (
        f"Case {link.case_reference} cannot be erased under this request: the person "
        f"asking is the {words} in it, not the victim, and erasing the case would erase "
        "the victim's record. Refuse the request with the legal reason, or restrict "
        "processing instead"
    )


def _counts(rows: Iterable[sa.Row[str, int]]) -> list[AgencyCount]:
    return [AgencyCount(name or "Unknown agency", count) for name, count in rows]


def consequences(request: SubjectRequest, *, now: datetime | None = None) -> list[CaseConsequences]:
    """For each case linked to ``request``: upcoming case lists, open actions and copies of
    minutes held (by agency), legal hold, and why it cannot be erased (``refusal``)."""
    now = now or utcnow()
    found = []
    for link in request.cases:
        case = db.session.get(Case, link.case_id) if link.erased_at is None else None
        item = CaseConsequences(link=link, case=case)
        found.append(item)
        if case is None:
            continue
        item.upcoming = list(
            db.session.scalars(
                sa.select(Meeting)
                .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                .where(
                    AgendaItem.case_id == case.id,
                    Meeting.starts_at >= now,
                    Meeting.status != MeetingStatus.CANCELLED,
                )
                .order_by(Meeting.starts_at)
            )
        )
        item.open_actions = _counts(
            db.session.execute(
                sa.select(Agency.name, sa.func.count(ActionItem.id))
                .join(Agency, Agency.id == ActionItem.owner_agency_id)
                .where(ActionItem.case_id == case.id, ActionItem.status == ActionStatus.OPEN)
                .group_by(Agency.name)
                .order_by(Agency.name)
            ).all()
        )
        heard_at = sa.select(AgendaItem.meeting_id).where(AgendaItem.case_id == case.id)
        item.copies = _counts(
            db.session.execute(
                sa.select(DocumentCopy.recipient_agency, sa.func.count(DocumentCopy.id))
                .where(DocumentCopy.meeting_id.in_(heard_at), DocumentCopy.revoked_at.is_(None))
                .group_by(DocumentCopy.recipient_agency)
                .order_by(DocumentCopy.recipient_agency)
            ).all()
        )
        item.legal_hold = retention.legal_hold_for(case.id)
        if item.legal_hold is not None:
            item.refusal = (
                f"Case {link.case_reference} is under a legal hold: lift the hold "
                "or refuse the request with the legal reason"
            )
        else:
            item.refusal = _role_refusal(link)
    return found


@dataclass(frozen=True)
class ErasureOutcome:
    rows: int
    tombstones: list[ErasedCase]

    @property
    def area_ids(self) -> list[int]:
        return sorted({t.area_id for t in self.tombstones})


def erase_cases(
    request: SubjectRequest,
    *,
    actor: User,
    today: date,
    confirmed: bool,
    reason: str | None = None,
    now: datetime | None = None,
) -> ErasureOutcome:
    """Carry out an erasure request: purge every linked case still present (statistics and a
    tombstone kept) and complete the request.

    Raises ServiceError (``field`` "reason" or "confirm" when the form can fix it) for any
    refusal in the module docstring; nothing is changed then.
    """
    if request.right != SubjectRight.ERASURE:
        raise ServiceError("Only an erasure request can erase records")
    if request.status.is_closed:
        raise ServiceError("This request is closed: nothing more can be erased under it")
    checks = [c for c in consequences(request, now=now) if c.case is not None]
    if not checks:
        raise ServiceError("Nothing is left to erase: every case of this request has gone")
    refusals = [c.refusal for c in checks if c.refusal]
    if refusals:
        raise ServiceError(". ".join(refusals))
    reason = (reason or "").strip()
    listed = [c for c in checks if c.needs_reason]
    if listed and not reason:
        references = ", ".join(c.link.case_reference for c in listed)
        raise ServiceError(
            f"Enter why {references} must be erased now, although it is open and "
            "on an upcoming meeting's case list",
            field="reason",
        )
    if len(reason) > REASON_MAX:
        raise ServiceError(f"The reason must be {REASON_MAX} characters or fewer", field="reason")
    if not confirmed:
        raise ServiceError("Confirm that you want to erase these records", field="confirm")
    rows = 0
    tombstones = []
    for check in checks:
        assert check.case is not None
        was_listed = check.needs_reason
        result = retention.purge_case(
            check.case.id,
            basis=ErasureBasis.SUBJECT_REQUEST,
            request_id=request.id,
            was_on_upcoming_list=was_listed,
        )
        rows += result.rows
        if result.tombstone is not None:
            tombstones.append(result.tombstone)
        check.link.erased_at = utcnow()
        if was_listed:
            check.link.erasure_reason = reason
    request.status = RequestStatus.COMPLETED
    request.decision = "Erased"
    request.handled_by_id = actor.id
    request.closed_on = today
    db.session.flush()
    fields = " fields=erasure_reason" if listed else ""
    record(
        AuditAction.ERASURE_CARRIED_OUT,
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        detail=f"cases={len(checks)} rows={rows}{fields}",
    )
    return ErasureOutcome(rows=rows, tombstones=tombstones)


# --- Telling the coordinators -----------------------------------------------------------------


def coordinators_of(area_ids: Iterable[int]) -> list[User]:
    """The active coordinators of these areas."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.role == Role.COORDINATOR,
                User.active.is_(True),
                User.area_id.in_(sorted(set(area_ids))),
            )
            .order_by(User.area_id, User.id)
        )
    )


def notice_body(area: MaracArea, *, base_url: str) -> str:
    """The email to a coordinator: which area, and where to look — never the reference, a
    name or anything about the case (emails carry no case data)."""
    return (
        f"A case in the {area.name} MARAC has been erased under a data-subject request "
        "(the right to erasure).\n\n"
        f"Sign in to see which case: {base_url.rstrip('/')}/\n"
        'It is listed on your home page under "Cases erased recently".\n\n'
        "Its records have gone, including its place on any case list and its actions. Its "
        "reference will never be given to another case. If agencies hold copies of minutes "
        "or actions for it, the data protection officer can tell you what to do.\n"
    )


def notify_coordinators(area_ids: Iterable[int], *, base_url: str) -> int:
    """Email every active coordinator of ``area_ids`` that a case in their area was erased.
    Commits after each email, so a failure part-way loses nothing already sent (this runs in
    a background job, never inside a request). Returns how many were sent."""
    sent = 0
    for user in coordinators_of(area_ids):
        area = db.session.get(MaracArea, user.area_id)
        assert area is not None
        mail.send(
            mail.build_message(
                user.email,
                "MARAC Manager: a case in your area was erased",
                notice_body(area, base_url=base_url),
            )
        )
        record(
            AuditAction.ERASURE_NOTICE_SENT,
            actor=None,
            object_type="user",
            object_id=user.id,
            detail=f"area={area.id}",
        )
        db.session.commit()
        sent += 1
    logger.info("erasure notice sent coordinators=%s", sent)
    return sent


def recent_erasures(area_id: int, *, now: datetime | None = None) -> list[ErasedCase]:
    """The tombstones of ``area_id`` from the last ``RECENT_DAYS`` days, newest first (for the
    coordinator's home page: references and dates only)."""
    since = (now or utcnow()) - timedelta(days=RECENT_DAYS)
    return list(
        db.session.scalars(
            sa.select(ErasedCase)
            .where(ErasedCase.area_id == area_id, ErasedCase.erased_at >= since)
            .order_by(ErasedCase.erased_at.desc(), ErasedCase.id.desc())
            .limit(50)
        )
    )
