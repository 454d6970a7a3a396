"""The transfer pack for a MARAC outside the deployment: the referral, the previous minutes
extract and the open actions of one case, as a PDF stamped and logged exactly as the
distributed minutes are (``distribution.copies``: a master, then a per-downloader copy with
their name, agency and copy number, in the copy log, audited).

The master holds personal data and no meeting owns it (retention retires meetings' masters),
so it is emptied and moved off its key as soon as the copy is stamped: nothing of the case is
kept in the cache, only the copy log's row and hash.
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.auth.models import User
from marac_app.common.time import LONDON
from marac_app.distribution.copies import get_or_render_master, issue_copy
from marac_app.distribution.models import DocumentCopy, MasterKind, RenderedMaster
from marac_app.documents.pdf import html_to_pdf, render_html
from marac_app.extensions import db
from marac_app.referrals.models import Case
from marac_app.transfers import services
from marac_app.transfers.history import CaseHistory, case_history
from marac_app.transfers.models import CaseTransfer


def pack_title(transfer: CaseTransfer) -> str:
    """No names: the areas only (the title is the PDF's one piece of metadata)."""
    return f"MARAC transfer pack: {transfer.from_area.name} to {transfer.destination}"


def pack_html(transfer: CaseTransfer, history: CaseHistory) -> str:
    return render_html(
        "transfers/pack_pdf.html",
        title=pack_title(transfer),
        history=history,
        from_area=transfer.from_area.name,
        to_marac=transfer.destination,
        produced_on=transfer.requested_at.astimezone(LONDON).date(),
        reason=transfer.reason,
    )


def render_pack_pdf(transfer: CaseTransfer, history: CaseHistory) -> bytes:
    return html_to_pdf(pack_html(transfer, history))


def issue_pack(
    transfer: CaseTransfer, history: CaseHistory, *, actor: User, ip: str | None
) -> tuple[DocumentCopy, bytes]:
    """Render, stamp (for ``actor``), log and audit one copy of ``transfer``'s pack; the
    master is retired at once (see the module docstring). Flushes, never commits."""
    master = get_or_render_master(
        f"transfer:{transfer.id}",
        lambda: render_pack_pdf(transfer, history),
        kind=MasterKind.TRANSFER_PACK,
    )
    copy, pdf = issue_copy(master, actor, actor=actor, ip=ip, case_ids=[transfer.source_case_id])
    db.session.execute(
        sa.update(RenderedMaster)
        .where(RenderedMaster.id == master.id)
        .values(key=f"{master.key}:retired:{master.id}"[:120], pdf=b"")
    )
    db.session.expire(master)
    return copy, pdf


def produce_pack(
    case: Case, *, marac: str | None, reason: str | None, actor: User, ip: str | None
) -> tuple[CaseTransfer, bytes]:
    """Record the external transfer of ``case`` (``services.record_external``) and issue the
    first copy of its pack to ``actor``: the transfer and the stamped PDF."""
    transfer = services.record_external(case, marac=marac, reason=reason, actor=actor)
    _copy, pdf = issue_pack(transfer, case_history(case), actor=actor, ip=ip)
    return transfer, pdf
