"""The master cache and the copy log. Services flush, never commit, never read ``request``.

* ``get_or_render_master(key, render, kind=..., meeting_id=..., minutes_version=...,
  agency_id=...)`` renders a master once per key (the ``render`` callable is not called again
  once the key is cached) and stores it stamp-ready; ``minutes_master`` and ``extract_master``
  are the two masters of an approved meeting.
* ``issue_copy(master, recipient_user, actor=..., ip=...)`` stamps one copy, logs it and
  audits ``minutes_copy_issued``; returns the log row and the PDF bytes. It decides nothing
  about access: ``distribution.recipients`` checks who may hold a copy before calling it.
* ``revoke_copy(copy, actor=...)`` and ``copies_for_meeting(meeting_id)`` for "who holds a copy".
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from marac_app import audit
from marac_app.action_items.services import actions_agreed_at
from marac_app.agencies.models import Agency
from marac_app.attendance.models import CaseDeferral
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON
from marac_app.db import db, utcnow
from marac_app.distribution.models import DocumentCopy, MasterKind, RenderedMaster
from marac_app.documents.stamp import prepare_master, stamp_copy
from marac_app.meetings.models import Meeting
from marac_app.minutes.builder import build_minutes_document, case_subject
from marac_app.minutes.document import ActionLine, MeetingInfo
from marac_app.minutes.pdf import render_action_extract_pdf, render_minutes_pdf
from marac_app.minutes.services import approval_of
from marac_app.referrals.address_alerts import alerted_among, has_address_alert
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.restriction import restricted_case_ids

logger = logging.getLogger(__name__)

NO_AGENCY = "No agency"
NOT_APPROVED = "The minutes of this meeting have not been approved yet"


class CopyRefused(ServiceError):
    """A copy cannot be issued to this person (the message says why, without personal data)."""


def minutes_key(meeting_id: int, minutes_version: int) -> str:
    return f"meeting:{meeting_id}:v{minutes_version}"


def extract_key(meeting_id: int, minutes_version: int, agency_id: int) -> str:
    return f"{minutes_key(meeting_id, minutes_version)}:agency:{agency_id}"


def find_master(key: str) -> RenderedMaster | None:
    return db.session.scalars(select_master(key)).first()


def select_master(key: str) -> sa.Select[RenderedMaster]:
    return sa.select(RenderedMaster).where(RenderedMaster.key == key)


def get_or_render_master(
    key: str,
    render: Callable[[], bytes],
    *,
    kind: MasterKind = MasterKind.MINUTES,
    meeting_id: int | None = None,
    minutes_version: int = 1,
    agency_id: int | None = None,
) -> RenderedMaster:
    """The cached master for ``key``, rendering it with ``render()`` only the first time.

    The rendered bytes are made stamp-ready (``prepare_master``) before they are stored. If two
    requests render the same key at once, the loser's insert fails on the unique key inside a
    savepoint and it returns the winner's row, so there is only ever one master per key.
    """
    existing = find_master(key)
    if existing is not None:
        return existing
    pdf = prepare_master(render())
    master = RenderedMaster(
        key=key,
        kind=kind,
        meeting_id=meeting_id,
        agency_id=agency_id,
        minutes_version=minutes_version,
        sha256=hashlib.sha256(pdf).hexdigest(),
        page_count=len(PdfReader(io.BytesIO(pdf)).pages),
        pdf=pdf,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(master)
            db.session.flush()
    except IntegrityError:
        winner = find_master(key)
        if winner is None:
            raise
        return winner
    logger.info(
        "pdf master rendered master=%s kind=%s pages=%s", master.id, kind, master.page_count
    )
    return master


def issue_copy(
    master: RenderedMaster,
    recipient_user: User,
    *,
    actor: User | None,
    ip: str | None,
    case_ids: Iterable[int] = (),
) -> tuple[DocumentCopy, bytes]:
    """Stamp one copy of ``master`` for ``recipient_user``, log it and audit it as a read
    of ``case_ids`` (the cases the document shows).

    The caller has already decided that the recipient may hold a copy (permissions belong to
    the distribution views); this refuses only a deactivated account. Raises ``CopyRefused``.
    """
    if not recipient_user.active:
        raise CopyRefused("The recipient's account is deactivated")
    agency = recipient_user.agency
    document_id = uuid.uuid4()
    issued_at = utcnow()
    pdf = stamp_copy(
        master.pdf,
        recipient_name=recipient_user.name,
        agency_name=agency.name if agency is not None else NO_AGENCY,
        issued_at=issued_at,
        document_id=str(document_id),
    )
    copy = DocumentCopy(
        document_id=document_id,
        master_id=master.id,
        meeting_id=master.meeting_id,
        kind=master.kind,
        minutes_version=master.minutes_version,
        recipient_user_id=recipient_user.id,
        recipient_name=recipient_user.name,
        recipient_agency=agency.name if agency is not None else NO_AGENCY,
        recipient_agency_id=recipient_user.agency_id,
        issued_by_id=actor.id if actor is not None else None,
        issued_at=issued_at,
        ip_address=ip,
        copy_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    db.session.add(copy)
    db.session.flush()
    audit.record(
        AuditAction.MINUTES_COPY_ISSUED,
        actor=actor,
        object_type="document_copy",
        object_id=str(document_id),
        case_ids=case_ids,
        detail=(
            f"kind={master.kind} master={master.id} meeting={master.meeting_id} "
            f"version={master.minutes_version} recipient={recipient_user.id}"
        ),
    )
    return copy, pdf


def revoke_copy(copy: DocumentCopy, *, actor: User | None) -> DocumentCopy:
    """Mark ``copy`` revoked (idempotent) and audit it."""
    if copy.revoked_at is None:
        copy.revoked_at = utcnow()
        copy.revoked_by_id = actor.id if actor is not None else None
        db.session.flush()
        audit.record(
            AuditAction.MINUTES_COPY_REVOKED,
            actor=actor,
            object_type="document_copy",
            object_id=str(copy.document_id),
            detail=f"recipient={copy.recipient_user_id}",
        )
    return copy


def copies_for_meeting(meeting_id: int, *, include_revoked: bool = True) -> list[DocumentCopy]:
    """Every copy issued for ``meeting_id``, newest first ("who holds a copy")."""
    query = sa.select(DocumentCopy).where(DocumentCopy.meeting_id == meeting_id)
    if not include_revoked:
        query = query.where(DocumentCopy.revoked_at.is_(None))
    return list(
        db.session.scalars(query.order_by(DocumentCopy.issued_at.desc(), DocumentCopy.id.desc()))
    )


def find_copy(document_id: uuid.UUID) -> DocumentCopy | None:
    return db.session.scalars(
        sa.select(DocumentCopy).where(DocumentCopy.document_id == document_id)
    ).first()


def approved_version(meeting: Meeting) -> int | None:
    """The approved minutes version of ``meeting`` (None before approval)."""

    approval = approval_of(meeting)
    return approval.minutes_version if approval is not None else None


# --- The masters of an approved meeting ------------------------------------------------------


def restriction_suffix(meeting: Meeting) -> str:
    """A cache-key suffix naming which of the meeting's cases are under restriction of
    processing ("" when none): restricting a case after approval gives the next copy a new
    master rendered without it, instead of the cached one that still prints it."""

    listed = sa.select(AgendaItem.case_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.case_id.in_(restricted_case_ids())
    )
    # The minutes also print the cases deferred from the meeting.
    deferred = sa.select(CaseDeferral.case_id).where(
        CaseDeferral.from_meeting_id == meeting.id,
        CaseDeferral.case_id.in_(restricted_case_ids()),
    )
    ids = sorted(set(db.session.scalars(listed)) | set(db.session.scalars(deferred)))
    if not ids:
        return ""
    return ":r" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:12]


def alert_suffix(meeting: Meeting) -> str:
    """A cache-key suffix naming which of the meeting's cases carry an address alert ("" when
    none): setting or clearing one after approval gives the next copy a new master that
    prints the alert as it is now."""
    listed = sa.select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id)
    ids = alerted_among(db.session.scalars(listed))
    if not ids:
        return ""
    return ":a" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:12]


def minutes_master(meeting: Meeting) -> RenderedMaster:
    """The cached master of the approved minutes version (rendered on first use). Raises
    ``CopyRefused`` before approval."""

    version = approved_version(meeting)
    if version is None:
        raise CopyRefused(NOT_APPROVED)
    return get_or_render_master(
        minutes_key(meeting.id, version) + restriction_suffix(meeting) + alert_suffix(meeting),
        lambda: render_minutes_pdf(build_minutes_document(meeting)),
        kind=MasterKind.MINUTES,
        meeting_id=meeting.id,
        minutes_version=version,
    )


def meeting_actions_for(meeting: Meeting, agency: Agency) -> list[ActionLine]:
    """``agency``'s actions agreed at ``meeting`` (cases under restriction left out)."""

    actions = actions_agreed_at(meeting, owner_agency_id=agency.id, unrestricted_only=True)
    return [
        ActionLine(
            case_reference=action.case.reference,
            agency=agency.name,
            description=action.description,
            due_date=action.due_date,
            status=action.status.label,
            case_id=action.case_id,
            coordinated=action.agenda_item is not None and action.agenda_item.is_coordinated,
            case_subject=case_subject(action.case),
            address_alert=has_address_alert(action.case_id),
        )
        for action in actions
    ]


def extract_master(meeting: Meeting, agency: Agency) -> RenderedMaster:
    """The cached master of ``agency``'s action extract of the approved minutes version
    (rendered on first use). Raises ``CopyRefused`` before approval."""
    version = approved_version(meeting)
    if version is None:
        raise CopyRefused(NOT_APPROVED)

    def render() -> bytes:
        london = meeting.starts_at.astimezone(LONDON)
        info = MeetingInfo(
            area_name=meeting.area.name,
            meeting_title=f"{meeting.area.name} MARAC",
            meeting_date=london.date(),
            venue=meeting.venue or "",
            chair_name=meeting.chair.name if meeting.chair else "",
            minutes_version=version,
        )
        return render_action_extract_pdf(agency.name, info, meeting_actions_for(meeting, agency))

    return get_or_render_master(
        extract_key(meeting.id, version, agency.id)
        + restriction_suffix(meeting)
        + alert_suffix(meeting),
        render,
        kind=MasterKind.ACTION_EXTRACT,
        meeting_id=meeting.id,
        minutes_version=version,
        agency_id=agency.id,
    )


def minutes_filename(meeting: Meeting, *, agency_id: int | None = None) -> str:
    """A download name with no personal data: area code, date and (for extracts) agency id."""
    day = meeting.starts_at.astimezone(LONDON).date().isoformat()
    code = "".join(c for c in (meeting.area.code or "") if c.isalnum()) or "MARAC"
    if agency_id is None:
        return f"marac-minutes-{code}-{day}.pdf"
    return f"marac-actions-{code}-{day}-agency-{agency_id}.pdf"
