"""Master cache and copy issuing. Services flush, never commit, never read ``request``.

Other features call these:

* ``get_or_render_master(key, render, kind=..., meeting_id=..., minutes_version=...,
  agency_id=...)`` renders a master once per key (the ``render`` callable is not called again
  once the key is cached) and stores it stamp-ready.
* ``issue_copy(master, recipient_user, actor=..., ip=...)`` stamps one copy, logs it and
  audits ``minutes_copy_issued``; returns the log row and the PDF bytes.
* ``revoke_copy(copy, actor=...)`` and ``copies_for_meeting(meeting_id)`` for "who holds a copy".
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from marac_app import audit
from marac_app.auth.models import User
from marac_app.db import db, utcnow
from marac_app.distribution.models import DocumentCopy, MasterKind, RenderedMaster
from marac_app.distribution.stamp import prepare_master, stamp_copy

logger = logging.getLogger(__name__)

NO_AGENCY = "No agency"


class CopyRefused(Exception):
    """A copy cannot be issued to this person (the message says why, without personal data)."""


def minutes_key(meeting_id: int, minutes_version: int) -> str:
    return f"meeting:{meeting_id}:v{minutes_version}"


def extract_key(meeting_id: int, minutes_version: int, agency_id: int) -> str:
    return f"{minutes_key(meeting_id, minutes_version)}:agency:{agency_id}"


def find_master(key: str) -> RenderedMaster | None:
    return db.session.scalars(select_master(key)).first()


def select_master(key: str) -> sa.Select[tuple[RenderedMaster]]:
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
    logger.info("pdf master rendered master=%s kind=%s pages=%s", master.id, kind,
                master.page_count)
    return master


def issue_copy(
    master: RenderedMaster, recipient_user: User, *, actor: User | None, ip: str | None
) -> tuple[DocumentCopy, bytes]:
    """Stamp one copy of ``master`` for ``recipient_user``, log it and audit it.

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
        "minutes_copy_issued",
        actor=actor,
        object_type="document_copy",
        object_id=str(document_id),
        detail=(f"kind={master.kind} master={master.id} meeting={master.meeting_id} "
                f"version={master.minutes_version} recipient={recipient_user.id}"),
    )
    return copy, pdf


def revoke_copy(copy: DocumentCopy, *, actor: User | None) -> DocumentCopy:
    """Mark ``copy`` revoked (idempotent) and audit it."""
    if copy.revoked_at is None:
        copy.revoked_at = utcnow()
        copy.revoked_by_id = actor.id if actor is not None else None
        db.session.flush()
        audit.record("minutes_copy_revoked", actor=actor, object_type="document_copy",
                     object_id=str(copy.document_id),
                     detail=f"recipient={copy.recipient_user_id}")
    return copy


def copies_for_meeting(meeting_id: int, *, include_revoked: bool = True) -> list[DocumentCopy]:
    """Every copy issued for ``meeting_id``, newest first ("who holds a copy")."""
    query = sa.select(DocumentCopy).where(DocumentCopy.meeting_id == meeting_id)
    if not include_revoked:
        query = query.where(DocumentCopy.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(DocumentCopy.issued_at.desc(),
                                                  DocumentCopy.id.desc())))


def find_copy(document_id: uuid.UUID) -> DocumentCopy | None:
    return db.session.scalars(
        sa.select(DocumentCopy).where(DocumentCopy.document_id == document_id)
    ).first()
