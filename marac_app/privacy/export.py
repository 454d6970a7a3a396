"""What the system holds about a victim, for a subject access or portability request.

``subject_export(case) -> dict`` gathers the victim's own data from one case; the structure is
described by ``templates/privacy/subject_export.schema.json`` (JSON Schema). Third parties are
redacted: alleged perpetrators, children and other household members appear only as
``REDACTED`` with their relationship, and their names (and the names of staff — referrers,
minute authors, users) are replaced by ``REDACTED`` wherever they occur in free text.
Minute entries are included only when their subject is the victim. "Shared with" lists the
agencies that were issued a copy of the minutes of a meeting that heard the case, with dates.

``export_json(data) -> bytes`` and ``export_pdf(data) -> bytes`` are pure functions.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import selectinload

from marac_app.action_items.models import ActionItem
from marac_app.auth.models import User
from marac_app.distribution.models import DocumentCopy
from marac_app.distribution.pdf import html_to_pdf
from marac_app.extensions import db
from marac_app.privacy.models import Rectification
from marac_app.referrals.models import AgendaItem, Case, Referral
from marac_app.referrals.people import Person, PersonRole
from marac_app.template_helpers import LONDON

REDACTED = "[redacted: third party]"
SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "templates" / "privacy" / \
    "subject_export.schema.json"

VICTIM_FIELDS = ("full_name", "aliases", "date_of_birth", "gender", "address", "safe_phone",
                 "safe_email", "safe_to_call", "safe_to_text", "safe_to_email", "sexuality",
                 "ethnicity", "disability", "language", "interpreter_needed")


def _value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


class Redactor:
    """Replaces third parties' names (whole names, and their name parts that the victim's
    own name does not share) in free text."""

    def __init__(self, names: list[str], keep: list[str]) -> None:
        kept = {part.casefold() for name in keep for part in re.split(r"[\s\-']+", name) if part}
        terms: set[str] = set()
        for name in names:
            if not name or not name.strip():
                continue
            terms.add(name.strip())
            for part in re.split(r"[\s,]+", name):
                if len(part) >= 3 and part.casefold() not in kept:
                    terms.add(part)
                for sub in re.split(r"[\-']", part):
                    if len(sub) >= 3 and sub.casefold() not in kept:
                        terms.add(sub)
        ordered = sorted(terms, key=len, reverse=True)
        self.pattern = (re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
                        if ordered else None)

    def __call__(self, text: str | None) -> str | None:
        if text is None or self.pattern is None:
            return text
        return self.pattern.sub(REDACTED, text)


def _plain(text_html: str) -> str:
    """Sanitised rich text as plain text (tags dropped, entities decoded)."""
    text = re.sub(r"<\s*(br|/p|/li|/h\d)\s*/?>", "\n", text_html, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]*>", "", text)
    return html.unescape(text).strip()


def _third_parties(case: Case) -> list[Person]:
    return [p for r in case.referrals for p in r.people if p.role != PersonRole.VICTIM]


def _staff_names() -> list[str]:
    return list(db.session.scalars(sa.select(User.name)))


def _minute_entries(case: Case, redact: Redactor) -> list[dict[str, Any]]:
    """Entries about the victim, if the minutes feature is installed."""
    try:
        from marac_app.minutes.models import MinuteEntry, Subject
    except ImportError:  # pragma: no cover - minutes not built yet
        return []
    entries = db.session.scalars(
        sa.select(MinuteEntry).join(AgendaItem, AgendaItem.id == MinuteEntry.agenda_item_id)
        .where(AgendaItem.case_id == case.id, MinuteEntry.subject == Subject.VICTIM)
        .options(selectinload(MinuteEntry.agenda_item).selectinload(AgendaItem.meeting),
                 selectinload(MinuteEntry.source_agency))
        .order_by(MinuteEntry.id))
    return [{
        "meeting_date": entry.agenda_item.meeting.starts_at.astimezone(LONDON).date().isoformat(),
        "kind": entry.kind.value,
        "source_agency": entry.source_agency.name,
        "text": redact(_plain(entry.text_html)),
    } for entry in entries]


def subject_export(case: Case) -> dict[str, Any]:
    """Everything held about the victim of ``case``, third parties redacted (see module doc)."""
    case = db.session.scalar(sa.select(Case).where(Case.id == case.id).options(
        selectinload(Case.referrals).selectinload(Referral.people),
        selectinload(Case.referrals).selectinload(Referral.referring_agency),
        selectinload(Case.area)))
    victims = [r.victim for r in case.referrals if r.victim is not None]
    keep = [v.full_name for v in victims] + [v.aliases or "" for v in victims]
    others = _third_parties(case)
    names = [p.full_name for p in others] + [p.aliases or "" for p in others]
    names += [r.referrer_name for r in case.referrals] + _staff_names()
    redact = Redactor(names, keep)

    referrals = []
    for referral in case.referrals:
        victim = referral.victim
        referrals.append({
            "referred_on": referral.referred_on.isoformat(),
            "referring_agency": referral.referring_agency.name,
            "criterion": referral.criterion.value,
            "is_repeat": referral.is_repeat,
            "dash_score": referral.dash_score,
            "reasons": redact(referral.reasons),
            "victim": ({name: _value(getattr(victim, name)) for name in VICTIM_FIELDS}
                       if victim is not None else None),
            "third_parties": [{"role": p.role.value, "name": REDACTED,
                               "relationship_to_victim": redact(p.relationship_to_victim)}
                              for p in referral.people if p.role != PersonRole.VICTIM],
        })
    actions = db.session.scalars(
        sa.select(ActionItem).where(ActionItem.case_id == case.id)
        .options(selectinload(ActionItem.owner_agency)).order_by(ActionItem.id))
    meeting_ids = sa.select(AgendaItem.meeting_id).where(AgendaItem.case_id == case.id)
    copies = db.session.scalars(
        sa.select(DocumentCopy).where(DocumentCopy.meeting_id.in_(meeting_ids))
        .order_by(DocumentCopy.issued_at, DocumentCopy.id))
    rectifications = db.session.scalars(
        sa.select(Rectification).where(Rectification.person_id.in_([v.id for v in victims]))
        .order_by(Rectification.id))
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_on": date.today().isoformat(),
        "case": {
            "reference": case.reference,
            "area": case.area.name,
            "status": case.status.value,
            "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        },
        "referrals": referrals,
        "minute_entries": _minute_entries(case, redact),
        "actions": [{
            "owner_agency": action.owner_agency.name,
            "description": redact(action.description),
            "due_date": action.due_date.isoformat(),
            "status": action.status.value,
        } for action in actions],
        "shared_with": [{
            "agency": copy.recipient_agency,
            "date": copy.issued_at.astimezone(LONDON).date().isoformat(),
            "document": copy.kind.value,
        } for copy in copies],
        "rectifications": [{
            "field": r.field, "old_value": r.old_value, "new_value": r.new_value,
            "date": r.at.astimezone(LONDON).date().isoformat(),
        } for r in rectifications],
    }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def export_pdf(data: dict[str, Any]) -> bytes:
    """The same export as a tagged PDF (restricted fetcher, no personal metadata)."""
    title = f"Subject access copy – case {data['case']['reference']}"
    return html_to_pdf(render_template("privacy/subject_export_pdf.html", data=data,
                                       title=title))


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
