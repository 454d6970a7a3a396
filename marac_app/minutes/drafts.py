"""Server-side drafts of what is typed on the live minutes forms (nothing in the browser).

A draft belongs to one person, one agenda item (a case at a meeting) and one form, named by
its ``key``:

- ``entry-new`` (add an entry), ``action-new`` (add an action), ``risk-summary``;
- ``entry-<id>-edit`` and ``entry-<id>-amend`` for one entry, ``risk-summary-amend``.

Only the fields of that form are kept (``fields_for``), each capped at the form's own limit.
The draft is restored into the form when its page is shown again (``restore``) and removed
when the real record is saved (``discard``, called by the minutes services). A draft not
updated for ``EXPIRES_AFTER`` (30 days) is forgotten by the retention run
(``purge_expired``). Services flush, never commit; the audit holds ids and the key only,
never the text.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from wtforms import Form

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.dates import DATE_PARTS
from marac_app.common.errors import ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.minutes.models import TEXT_MAX, MinuteDraft, MinuteEntry
from marac_app.referrals.models import AgendaItem

logger = logging.getLogger(__name__)

ENTRY_FIELDS = ("version", "subject", "kind", "source_agency", "text")
RISK_FIELDS = ("version", "harm_identified", "contributing_factors", "protective_factors")
ACTION_FIELDS = (
    "owner_agency",
    "description",
    "due_date-day",
    "due_date-month",
    "due_date-year",
    "priority",
)
AMEND_FIELDS = ("text", "reason")
AMEND_RISK_FIELDS = ("field", "text", "reason")

# Fields chosen rather than typed: a draft with only these holds nothing worth keeping.
CHOICE_FIELDS = frozenset(
    {"version", "subject", "kind", "source_agency", "owner_agency", "priority", "field"}
)

FIXED_KEYS: dict[str, tuple[str, ...]] = {
    "entry-new": ENTRY_FIELDS[1:],
    "risk-summary": RISK_FIELDS,
    "action-new": ACTION_FIELDS,
    "risk-summary-amend": AMEND_RISK_FIELDS,
}
ENTRY_KEY = re.compile(r"^entry-([1-9][0-9]{0,9})-(edit|amend)$")
# Which keys need the chair (risk summary, amendments); the rest the minute-taker too.
CHAIR_KEYS = frozenset({"risk-summary", "risk-summary-amend"})
# A value longer than its form allows could never be saved as a record either.
FIELD_MAX = TEXT_MAX
BODY_MAX = 4 * TEXT_MAX + 2_000  # the largest form (three risk fields) with room for JSON
# Text nobody came back to for this long is not kept: it was abandoned, and it is personal
# data held for no purpose (UK GDPR storage limitation).
EXPIRES_AFTER = timedelta(days=30)


def fields_for(key: str) -> tuple[str, ...] | None:
    """The form fields a draft under ``key`` may hold; None for a key that is no form."""
    if key in FIXED_KEYS:
        return FIXED_KEYS[key]
    match = ENTRY_KEY.match(key)
    if match is None:
        return None
    return ENTRY_FIELDS if match.group(2) == "edit" else AMEND_FIELDS


def entry_id_of(key: str) -> int | None:
    """The entry an ``entry-<id>-…`` key names; None for the other keys."""
    match = ENTRY_KEY.match(key)
    return int(match.group(1)) if match else None


def needs_chair(key: str) -> bool:
    return key in CHAIR_KEYS or key.endswith("-amend")


def entry_key(entry_id: int, what: str) -> str:
    return f"entry-{entry_id}-{what}"


def clean_values(key: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The form's own fields from ``values`` (anything else is dropped), as strings.

    Raises ``ServiceError`` for a key that is no form, or a value over the form's limit.
    """
    allowed = fields_for(key)
    if allowed is None:
        raise ServiceError("This is not a form whose text can be kept", field="key")
    kept: dict[str, str] = {}
    for name in allowed:
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            value = str(value)
        if len(value) > FIELD_MAX:
            raise ServiceError(
                f"The text must be {FIELD_MAX:,} characters or fewer to be kept", field=name
            )
        kept[name] = value.replace("\x00", "")
    return kept


def draft_of(user_id: int, agenda_item_id: int, key: str) -> MinuteDraft | None:
    return db.session.scalar(
        sa.select(MinuteDraft).where(
            MinuteDraft.user_id == user_id,
            MinuteDraft.agenda_item_id == agenda_item_id,
            MinuteDraft.key == key,
        )
    )


def values_of(draft: MinuteDraft) -> dict[str, str]:
    """The fields a draft holds (an unreadable body holds nothing)."""
    try:
        data = json.loads(draft.body)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def entry_belongs(item: AgendaItem, key: str) -> bool:
    """An ``entry-<id>-…`` key must name an entry of ``item``; the other keys always do."""
    entry_id = entry_id_of(key)
    if entry_id is None:
        return True
    entry = db.session.get(MinuteEntry, entry_id)
    return entry is not None and entry.agenda_item_id == item.id


def save(
    item: AgendaItem,
    key: str,
    values: Mapping[str, Any],
    *,
    actor: User,
    action: AuditAction = AuditAction.MINUTE_DRAFT_SAVED,
) -> MinuteDraft | None:
    """Keep ``values`` (the form's own fields only) as ``actor``'s draft of ``key`` for
    ``item``; a draft with nothing typed in it is removed instead (returns None).

    The caller has checked that ``actor`` may write that form for the case. Raises
    ``ServiceError`` for an unknown key, an entry of another case or an oversized value.
    """
    kept = clean_values(key, values)
    if not entry_belongs(item, key):
        raise ServiceError("This is not a form whose text can be kept", field="key")
    draft = draft_of(actor.id, item.id, key)
    typed = any(v.strip() for name, v in kept.items() if name not in CHOICE_FIELDS)
    if not typed:
        if draft is not None:
            _remove(draft, actor, reason="empty")
        return None
    body = json.dumps(kept, ensure_ascii=False, separators=(",", ":"))
    if draft is None:
        draft = MinuteDraft(user_id=actor.id, agenda_item_id=item.id, key=key, body=body)
        db.session.add(draft)
    else:
        draft.body = body
        draft.updated_at = utcnow()
    db.session.flush()
    record(
        action,
        actor=actor,
        object_type="minute_draft",
        object_id=draft.id,
        detail=f"meeting={item.meeting_id} case={item.case_id} key={key} "
        f"fields={','.join(sorted(kept))}",
    )
    return draft


def _remove(draft: MinuteDraft, actor: User | None, *, reason: str) -> None:
    record(
        AuditAction.MINUTE_DRAFT_DISCARDED,
        actor=actor,
        object_type="minute_draft",
        object_id=draft.id,
        detail=f"agenda_item={draft.agenda_item_id} key={draft.key} {reason}",
    )
    db.session.delete(draft)
    db.session.flush()


def discard(user_id: int, agenda_item_id: int, key: str, *, reason: str = "saved") -> bool:
    """Remove the draft of ``key`` (if any): the real record has been saved, or the person
    chose to throw it away. Returns whether there was one. Flushes, never commits."""
    draft = draft_of(user_id, agenda_item_id, key)
    if draft is None:
        return False
    _remove(draft, db.session.get(User, user_id), reason=reason)
    return True


def restore(form: Form, user: User, item: AgendaItem, key: str) -> MinuteDraft | None:
    """Put ``user``'s draft of ``key`` into ``form`` (a form not being re-shown after a
    POST) and note it on the form as ``restored_draft`` for the page's notice."""
    if not getattr(user, "is_authenticated", False):
        return None
    draft = draft_of(user.id, item.id, key)
    form.restored_draft = draft
    if draft is None:
        return None
    allowed = fields_for(key) or ()
    values = MultiDict({k: v for k, v in values_of(draft).items() if k in allowed})
    for field in form:
        names = (field.name, *(f"{field.name}-{part}" for part in DATE_PARTS))
        if field.name != "csrf_token" and any(name in values for name in names):
            # As if posted: each field reads its own value (a date its three boxes).
            field.process(values)
    return draft


CASE_FORMS = {"entry_form": "entry-new", "action_form": "action-new", "risk_form": "risk-summary"}


def restore_case_forms(context: dict[str, Any], user: User, item: AgendaItem) -> None:
    """The live case page: restore ``user``'s drafts into its forms, except the one being
    shown again after a refused POST (``refused_form``: it already holds what was sent)."""
    refused = context.get("refused_form")
    for name, key in CASE_FORMS.items():
        form = context.get(name)
        if form is not None and form is not refused:
            restore(form, user, item, key)


def purge_expired(now: datetime | None = None, *, actor: User | None = None) -> int:
    """Delete every draft not updated for ``EXPIRES_AFTER`` before ``now`` (default: now);
    returns how many. Audited as one event holding the count only (no ids, keys or text).
    Called by the retention run (``marac_app.privacy.jobs``). Flushes, never commits."""
    cutoff = (now or utcnow()) - EXPIRES_AFTER
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            sa.delete(MinuteDraft)
            .where(MinuteDraft.updated_at < cutoff)
            .execution_options(synchronize_session=False)
        ),
    )
    purged = result.rowcount or 0
    if purged:
        record(
            AuditAction.MINUTE_DRAFTS_EXPIRED,
            actor=actor,
            object_type="minute_draft",
            detail=f"drafts={purged} older_than_days={EXPIRES_AFTER.days}",
        )
        logger.info("purged %s minute drafts not updated for %s days", purged, EXPIRES_AFTER.days)
    db.session.flush()
    return purged
