"""What the minutes say about deferring a case from the run page (``attendance.timing``).

Attendance sits below minutes and cannot import it, so it keeps hooks that this module fills
(``install``, called once where the minutes blueprint is set up, in minutes/views.py):

- ``refuse_when_approved``: a meeting whose minutes are approved keeps its case list as
  approved; a case can no longer be deferred from it (the refusal is shown on the defer form).
- ``move_drafts``: the unsaved drafts typed for the case at this meeting (every person's)
  follow it to the new agenda item on the next meeting's list instead of being deleted with
  the old one. Drafts of an existing entry (``entry-<id>-…``) stay behind: an entry means
  the case was discussed, and then the deferral is refused anyway.

Both flush, never commit; the move is audited with ids and the draft's key only.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from marac_app.attendance import timing
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.extensions import db
from marac_app.minutes.drafts import entry_id_of
from marac_app.minutes.models import MinuteDraft, MinutesApproval
from marac_app.referrals.models import AgendaItem


def refuse_when_approved(item: AgendaItem) -> str | None:
    """Why ``item``'s case may not be deferred: its meeting's minutes are approved."""
    # Asked once per case on the run page: remember the answer per meeting for this request.
    known: dict[int, bool] = g.setdefault("_minutes_approved", {})
    if item.meeting_id not in known:
        known[item.meeting_id] = (
            db.session.scalar(
                sa.select(MinutesApproval.id).where(MinutesApproval.meeting_id == item.meeting_id)
            )
            is not None
        )
    if not known[item.meeting_id]:
        return None
    return (
        f"The minutes of this meeting have been approved, so {item.case.reference} can no "
        f"longer be deferred from it. To hear the case again, add it to the case list of the "
        f"next meeting"
    )


def move_drafts(old: AgendaItem, new: AgendaItem, actor: User) -> None:
    """Move the drafts of ``old`` (the agenda item being deferred) to ``new``. ``new`` has
    just been created, so no draft of it can clash with one moved."""
    drafts = db.session.scalars(
        sa.select(MinuteDraft).where(MinuteDraft.agenda_item_id == old.id).order_by(MinuteDraft.id)
    ).all()
    for draft in drafts:
        if entry_id_of(draft.key) is not None:
            continue
        draft.agenda_item_id = new.id
        db.session.flush()
        record(
            AuditAction.MINUTE_DRAFT_MOVED,
            actor=actor,
            object_type="minute_draft",
            object_id=draft.id,
            case_ids=[new.case_id],
            detail=f"from_item={old.id} to_item={new.id} user={draft.user_id} key={draft.key}",
        )


def install() -> None:
    """Register the hooks with ``attendance.timing`` (once, however often it is called)."""
    timing.add_hook(timing.deferral_guards, refuse_when_approved)
    timing.add_hook(timing.on_deferred, move_drafts)
