"""The retention page's preview, in the DPO's words: which cases are due for deletion, what
each would lose ("2 referrals, 3 people named in referrals, …"), and which are kept by a
legal hold. Reads only; ``retention.apply_retention`` does the deleting.

Table names never reach the page: ``RECORD_WORDS`` names every kind of record a case holds.
A table another feature hangs off a case later shows under its own name until it is added
(a test fails to say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import selectinload

from marac_app.extensions import db
from marac_app.privacy import retention
from marac_app.privacy.models import CaseLegalHold
from marac_app.referrals.models import Case

# (singular, plural) per table reached from ``marac_case``.
RECORD_WORDS: dict[str, tuple[str, str]] = {
    "marac_case": ("case", "cases"),
    "referral": ("referral", "referrals"),
    "referral_person": ("person named in a referral", "people named in referrals"),
    "agenda_item": ("place on a meeting's case list", "places on meetings' case lists"),
    "minute_entry": ("minutes entry", "minutes entries"),
    "minute_entry_revision": (
        "earlier version of a minutes entry",
        "earlier versions of minutes entries",
    ),
    "minutes_amendment": ("amendment to approved minutes", "amendments to approved minutes"),
    "risk_summary": ("risk summary", "risk summaries"),
    "action_item": ("action", "actions"),
    "action_status_update": ("action status update", "action status updates"),
    "case_legal_hold": ("legal hold", "legal holds"),
    "case_restriction": ("restriction of processing", "restrictions of processing"),
    "rectification": ("correction to the victim's details", "corrections to the victim's details"),
    "subject_request_passage_review": (
        "decision on a passage for a data-subject request",
        "decisions on passages for data-subject requests",
    ),
    "minute_draft": ("unsaved draft of minutes text", "unsaved drafts of minutes text"),
    "circulation_comment": (
        "accuracy comment on draft minutes",
        "accuracy comments on draft minutes",
    ),
    "case_deferral": ("deferral to a later meeting", "deferrals to later meetings"),
    "case_transfer": ("transfer to another MARAC", "transfers to other MARACs"),
    "research_return": ("agency research return", "agency research returns"),
    "research_return_item": (
        "piece of information in a research return",
        "pieces of information in research returns",
    ),
    "case_address_alert": ("address alert", "address alerts"),
    "address_change": (
        "change to the victim's address or safe contact details",
        "changes to the victim's address or safe contact details",
    ),
    "address_notice_dismissal": (
        "read notice of an address change",
        "read notices of address changes",
    ),
    "minutes_approval_reason": (
        "reason for approving the minutes with the case incomplete",
        "reasons for approving the minutes with cases incomplete",
    ),
}


def record_words(table: str, count: int | None = None) -> str:
    """``table``'s records in plain words: "3 minutes entries", or the plural without a
    count."""
    singular, plural = RECORD_WORDS.get(table, (table.replace("_", " "),) * 2)
    if count is None:
        return plural
    return f"{count} {singular if count == 1 else plural}"


def _in_page_order(tables: set[str]) -> list[str]:
    known = [t for t in RECORD_WORDS if t in tables and t != retention.ROOT_TABLE]
    return known + sorted(t for t in tables if t not in RECORD_WORDS)


def records_covered() -> list[str]:
    """What deleting a case deletes besides the case itself, in plain words."""
    return [record_words(t) for t in _in_page_order(set(retention.dependency_report()))]


@dataclass(frozen=True)
class DueCase:
    case_id: int
    reference: str
    area_name: str
    closed_on: date
    years_closed: int
    records: list[str]


@dataclass(frozen=True)
class RetentionPreview:
    cutoff: date
    due: list[DueCase]
    held: list[Case]

    @property
    def case_ids(self) -> list[int]:
        return [c.case_id for c in self.due]


def preview(today: date) -> RetentionPreview:
    """The cases ``retention.apply_retention(today)`` would delete, each with what it holds,
    and the cases past retention that a legal hold keeps. Changes nothing."""
    due = []
    for case in db.session.scalars(
        retention.due_for_purge_query(today).options(selectinload(Case.area))
    ):
        owned, _ = retention.owned_rows(case.id)
        counts = {table: len(ids) for table, ids in owned.items() if ids}
        assert case.closed_on is not None  # the query only finds closed cases
        due.append(
            DueCase(
                case_id=case.id,
                reference=case.reference,
                area_name=case.area.name,
                closed_on=case.closed_on,
                years_closed=relativedelta(today, case.closed_on).years,
                records=[record_words(t, counts[t]) for t in _in_page_order(set(counts))],
            )
        )
    held = list(
        db.session.scalars(
            sa.select(Case)
            .where(*retention.past_retention(today), Case.id.in_(sa.select(CaseLegalHold.case_id)))
            .options(selectinload(Case.area))
            .order_by(Case.closed_on, Case.id)
        )
    )
    cutoff = retention.retention_cutoff(today, retention.case_policy().years)
    return RetentionPreview(cutoff=cutoff, due=due, held=held)
