"""Transferring a case to another MARAC. Services flush, never commit, never read ``request``.

- ``start_transfer(case, to_area_id=…, reason=…, actor=…, base_url=…)``: the coordinator of
  the case's area sends it to another area of the deployment; that area's coordinators are
  emailed a sign-in link (no case data). Nothing of the case is in the receiving area yet.
- ``accept(transfer, actor=…)``: the receiving coordinator accepts; the receiving area gets a
  case of its own (a copy of the latest referral), linked to the source case, which keeps its
  history and is marked "transferred to".
- ``decline(transfer, reason=…, actor=…)``: the source case is unchanged; the record says why.
- ``record_external(case, marac=…, reason=…, actor=…)``: a transfer to a MARAC outside the
  deployment, whose pack the views issue (marac_app/transfers/pack.py).

Every step is audited with the ids of both cases. Callers have checked the actor's role and
area with marac_app/transfers/permissions.py.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from marac_app import mail
from marac_app.agencies.models import MaracArea
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON, format_long_date
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.referrals.models import Case, PreviousMarac, Referral
from marac_app.referrals.people import Person
from marac_app.referrals.restriction import is_restricted
from marac_app.referrals.services import new_case
from marac_app.transfers.models import CaseTransfer, TransferKind, TransferStatus

logger = logging.getLogger(__name__)

REASON_LIMIT = 2000
MARAC_NAME_LIMIT = 200
AREA_MISSING = "Select the MARAC area to transfer the case to"
REASON_MISSING = "Enter the reason for the transfer"
REASON_TOO_LONG = f"The reason must be {REASON_LIMIT} characters or fewer"
DECLINE_REASON_MISSING = "Enter the reason for declining the transfer"
DECISION_MISSING = "Select whether you accept or decline the transfer"
MARAC_MISSING = "Enter the name of the MARAC receiving the case"
MARAC_TOO_LONG = f"The MARAC's name must be {MARAC_NAME_LIMIT} characters or fewer"
ALREADY_PENDING = "This case is already waiting to be accepted by another MARAC"
ALREADY_DECIDED = "This transfer has already been accepted or declined"
RESTRICTED = "This case is under restriction of processing and cannot be transferred"
NO_REFERRAL = "This case has no referral to transfer"
NO_COORDINATOR = (
    "That MARAC area has no active coordinator to accept the case. Ask an administrator to "
    "add one, or choose another area"
)
EMAIL_FAILED = "The email to the receiving coordinator could not be sent. Try again later"


def _clean(value: str | None, *, field: str, empty: str, too_long: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError(empty, field=field)
    if len(text) > limit:
        raise ServiceError(too_long, field=field)
    return text


def destination_areas(case: Case) -> list[MaracArea]:
    """The active areas of the deployment ``case`` may be transferred to (not its own)."""
    return list(
        db.session.scalars(
            sa.select(MaracArea)
            .where(MaracArea.active.is_(True), MaracArea.id != case.area_id)
            .order_by(MaracArea.name)
        )
    )


def coordinators_of(area_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.COORDINATOR, User.area_id == area_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def pending_transfer_of(case: Case) -> CaseTransfer | None:
    return db.session.scalar(
        sa.select(CaseTransfer).where(
            CaseTransfer.source_case_id == case.id,
            CaseTransfer.status == TransferStatus.PENDING,
        )
    )


def _email(person: User, from_area: MaracArea, link: str) -> None:
    """A sign-in link only: the sending area's name, never a reference, name or reason."""
    body = (
        f"The {from_area.name} MARAC has asked to transfer a case to your MARAC.\n\n"
        f"Sign in to see it and accept or decline it:\n{link}\n\n"
        "The case is not part of this email. Do not forward this email.\n"
        "If you were not expecting it, tell your MARAC coordinator.\n"
    )
    mail.send(mail.build_message(person.email, "A MARAC case transfer is waiting for you", body))


def start_transfer(
    case: Case, *, to_area_id: int | None, reason: str | None, actor: User, base_url: str
) -> CaseTransfer:
    """Ask ``to_area_id``'s coordinators to accept ``case``; email each a sign-in link.

    Refused (ServiceError) for a case under restriction or with no referral, one already
    waiting, an area that is not another active one (field ``to_area``), a missing or too
    long reason (``reason``), an area with no active coordinator, or an email that cannot be
    sent (nothing is then saved)."""
    if is_restricted(case.id):
        raise ServiceError(RESTRICTED)
    if case.last_referral is None:
        raise ServiceError(NO_REFERRAL)
    if pending_transfer_of(case) is not None:
        raise ServiceError(ALREADY_PENDING)
    areas = {area.id: area for area in destination_areas(case)}
    to_area = areas.get(to_area_id) if to_area_id is not None else None
    if to_area is None:
        raise ServiceError(AREA_MISSING, field="to_area")
    text = _clean(
        reason, field="reason", empty=REASON_MISSING, too_long=REASON_TOO_LONG, limit=REASON_LIMIT
    )
    receivers = coordinators_of(to_area.id)
    if not receivers:
        raise ServiceError(NO_COORDINATOR, field="to_area")
    transfer = _new_transfer(
        case,
        actor,
        AuditAction.TRANSFER_REQUESTED,
        f"to_area={to_area.id} notified={len(receivers)}",
        kind=TransferKind.WITHIN,
        status=TransferStatus.PENDING,
        to_area_id=to_area.id,
        reason=text,
    )
    link = f"{base_url.rstrip('/')}/transfers/{transfer.id}"
    for person in receivers:
        try:
            _email(person, case.area, link)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("transfer email failed transfer=%s", transfer.id)
            raise ServiceError(EMAIL_FAILED) from error
    logger.info("case transfer requested transfer=%s by=%s", transfer.id, actor.id)
    return transfer


def _locked(transfer: CaseTransfer) -> CaseTransfer:
    """``transfer`` re-read under a row lock (PostgreSQL; SQLite writers are serialised), so
    two coordinators deciding at once cannot both act on a pending transfer."""
    fresh = db.session.scalar(
        sa.select(CaseTransfer)
        .where(CaseTransfer.id == transfer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if fresh is None or not fresh.is_pending:
        raise ServiceError(ALREADY_DECIDED)
    return fresh


def _copy_person(person: Person) -> Person:
    columns = [c.key for c in sa.inspect(Person).column_attrs]
    skip = {"id", "referral_id", "created_at"}
    return Person(**{name: getattr(person, name) for name in columns if name not in skip})


def _copy_referral(source: Referral, case: Case, transfer: CaseTransfer, actor: User) -> Referral:
    """The source case's latest referral, as the receiving area's referral of its new case
    (recorded as referred to the sending MARAC before, on the day it was transferred)."""
    referral = Referral(
        area_id=case.area_id,
        case_id=case.id,
        referring_agency_id=source.referring_agency_id,
        referrer_name=source.referrer_name,
        referrer_role=source.referrer_role,
        referred_on=source.referred_on,
        criterion=source.criterion,
        reasons=source.reasons,
        escalation_incidents=source.escalation_incidents,
        escalation_window_months=source.escalation_window_months,
        checklist_version_id=source.checklist_version_id,
        dash_answers=dict(source.dash_answers) if source.dash_answers else None,
        dash_score=source.dash_score,
        created_by_id=actor.id,
        previous_marac=PreviousMarac.YES,
        previous_marac_where=transfer.from_area.name,
        previous_marac_on=transfer.requested_at.astimezone(LONDON).date(),
    )
    referral.people = [_copy_person(p) for p in source.people]
    return referral


def accept(transfer: CaseTransfer, *, actor: User) -> Case:
    """Open the receiving area's case for ``transfer`` and return it (flushed).

    The source case keeps everything (its actions stay with their owners). Refused when the
    transfer was decided meanwhile, or the source case lost its referral or was restricted."""
    transfer = _locked(transfer)
    source = transfer.source_case
    latest = source.last_referral
    if latest is None:
        raise ServiceError(NO_REFERRAL)
    if is_restricted(source.id):
        raise ServiceError(RESTRICTED)
    to_area = transfer.to_area
    assert to_area is not None  # a pending transfer is always within the deployment
    case = new_case(to_area)
    db.session.add(_copy_referral(latest, case, transfer, actor))
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by_id = actor.id
    transfer.decided_at = utcnow()
    transfer.received_case = case
    db.session.flush()
    record(
        AuditAction.TRANSFER_ACCEPTED,
        actor=actor,
        object_type="case_transfer",
        object_id=transfer.id,
        case_ids=[source.id, case.id],
        detail=f"source_case={source.id} received_case={case.id} "
        f"from_area={transfer.from_area_id} to_area={transfer.to_area_id}",
    )
    logger.info("case transfer accepted transfer=%s by=%s", transfer.id, actor.id)
    return case


def decline(transfer: CaseTransfer, *, reason: str | None, actor: User) -> CaseTransfer:
    """Record that the receiving area declined ``transfer`` and why (field ``decline_reason``);
    the source case is unchanged."""
    text = _clean(
        reason,
        field="decline_reason",
        empty=DECLINE_REASON_MISSING,
        too_long=REASON_TOO_LONG,
        limit=REASON_LIMIT,
    )
    transfer = _locked(transfer)
    transfer.status = TransferStatus.DECLINED
    transfer.decided_by_id = actor.id
    transfer.decided_at = utcnow()
    transfer.decline_reason = text
    db.session.flush()
    record(
        AuditAction.TRANSFER_DECLINED,
        actor=actor,
        object_type="case_transfer",
        object_id=transfer.id,
        case_ids=[transfer.source_case_id],
        detail=f"source_case={transfer.source_case_id} from_area={transfer.from_area_id} "
        f"to_area={transfer.to_area_id}",
    )
    return transfer


def record_external(
    case: Case, *, marac: str | None, reason: str | None, actor: User
) -> CaseTransfer:
    """Record a transfer of ``case`` to a MARAC outside the deployment (fields ``marac`` and
    ``reason``); the caller issues its pack in the same transaction."""
    if is_restricted(case.id):
        raise ServiceError(RESTRICTED)
    if case.last_referral is None:
        raise ServiceError(NO_REFERRAL)
    name = _clean(
        marac, field="marac", empty=MARAC_MISSING, too_long=MARAC_TOO_LONG, limit=MARAC_NAME_LIMIT
    )
    text = _clean(
        reason, field="reason", empty=REASON_MISSING, too_long=REASON_TOO_LONG, limit=REASON_LIMIT
    )
    return _new_transfer(
        case,
        actor,
        AuditAction.TRANSFER_PACK_PRODUCED,
        "external=yes",
        kind=TransferKind.EXTERNAL,
        status=TransferStatus.PACK_PRODUCED,
        external_marac=name,
        reason=text,
    )


def _new_transfer(
    case: Case, actor: User, action: AuditAction, detail: str, **fields: object
) -> CaseTransfer:
    """The transfer row of ``case`` requested now by ``actor`` (flushed), audited as
    ``action`` with the source case, its area and ``detail``: both kinds of transfer."""
    transfer = CaseTransfer(
        source_case_id=case.id,
        from_area_id=case.area_id,
        requested_by_id=actor.id,
        requested_at=utcnow(),
        **fields,
    )
    db.session.add(transfer)
    db.session.flush()
    record(
        action,
        actor=actor,
        object_type="case_transfer",
        object_id=transfer.id,
        case_ids=[case.id],
        detail=f"source_case={case.id} from_area={case.area_id} {detail}",
    )
    return transfer


# --- Reading ---------------------------------------------------------------------------


def waiting_for(area_id: int | None) -> list[CaseTransfer]:
    """Transfers into ``area_id`` waiting for its coordinator, oldest first."""
    if area_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(CaseTransfer)
            .where(
                CaseTransfer.to_area_id == area_id,
                CaseTransfer.status == TransferStatus.PENDING,
            )
            .order_by(CaseTransfer.requested_at, CaseTransfer.id)
        )
    )


def sent_from(case: Case) -> list[CaseTransfer]:
    """Every transfer of ``case`` out of its area, newest first."""
    return list(
        db.session.scalars(
            sa.select(CaseTransfer)
            .where(CaseTransfer.source_case_id == case.id)
            .order_by(CaseTransfer.requested_at.desc(), CaseTransfer.id.desc())
        )
    )


def received_as(case: Case) -> CaseTransfer | None:
    """The accepted transfer ``case`` was opened for (None for a case referred here)."""
    return db.session.scalar(
        sa.select(CaseTransfer).where(
            CaseTransfer.received_case_id == case.id,
            CaseTransfer.status == TransferStatus.ACCEPTED,
        )
    )


def _day(transfer: CaseTransfer) -> str:
    when = transfer.decided_at or transfer.requested_at
    return format_long_date(when.astimezone(LONDON).date())


def sent_note(transfer: CaseTransfer) -> str:
    """How a transfer shows on the case it was sent from."""
    if transfer.kind == TransferKind.EXTERNAL:
        return f"Transfer pack produced for {transfer.destination} on {_day(transfer)}"
    if transfer.status == TransferStatus.ACCEPTED:
        return f"Transferred to {transfer.destination} on {_day(transfer)}"
    if transfer.status == TransferStatus.DECLINED:
        return f"Transfer to {transfer.destination} declined on {_day(transfer)}"
    return f"Transfer to {transfer.destination} waiting since {_day(transfer)}"


def received_note(transfer: CaseTransfer) -> str:
    """How a transfer shows on the receiving area's case."""
    return f"Transferred from {transfer.from_area.name} on {_day(transfer)}"


@dataclass(frozen=True)
class Notes:
    """The transfer line of each case of a list: {case id: text}."""

    by_case: dict[int, str]

    def get(self, case_id: int) -> str:
        return self.by_case.get(case_id, "")


def notes_for(case_ids: Iterable[int]) -> Notes:
    """One statement for a whole list: "Transferred from …" for cases received, else the
    latest accepted transfer out ("Transferred to …")."""
    ids = sorted(set(case_ids))
    if not ids:
        return Notes({})
    rows = db.session.scalars(
        sa.select(CaseTransfer)
        .where(
            CaseTransfer.status == TransferStatus.ACCEPTED,
            sa.or_(CaseTransfer.received_case_id.in_(ids), CaseTransfer.source_case_id.in_(ids)),
        )
        .order_by(CaseTransfer.decided_at, CaseTransfer.id)
    )
    notes: dict[int, str] = {}
    received: set[int] = set()
    for transfer in rows:
        if transfer.received_case_id in ids:
            notes[transfer.received_case_id] = received_note(transfer)
            received.add(transfer.received_case_id)
        if transfer.source_case_id in ids and transfer.source_case_id not in received:
            notes[transfer.source_case_id] = sent_note(transfer)
    return Notes(notes)


def transfer_day(transfer: CaseTransfer) -> date:
    return transfer.requested_at.astimezone(LONDON).date()
