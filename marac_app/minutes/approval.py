"""Approval that cannot go wrong: the check page's figures, its refusals, and the approval.

Before the chair approves, every case on the list is checked: how many entries, whether the
risk summary was recorded, how many actions were agreed at the meeting. A case missing any
of those is *incomplete*: the check page names it, and approval needs a reason for each
incomplete case as well as the chair's explicit confirmation. A co-ordinated case (issue 14:
not heard at the meeting) is complete once the chair has signed off its record, and
incomplete until then, whatever its entries. The reasons are stored
(``ApprovalReason``) and printed with their case in the minutes and the PDF.

Services flush, never commit, never read the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from marac_app.action_items.services import actions_agreed_at_by_case
from marac_app.attendance.services import case_list, require_gate_open
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes import services
from marac_app.minutes.models import (
    ApprovalReason,
    MinuteEntry,
    MinutesApproval,
    RiskSummary,
    missing_text,
)
from marac_app.referrals.models import AgendaItem

REASON_MAX = 2000
CONFIRM_MESSAGE = "Confirm that you have checked the minutes of every case"


@dataclass(frozen=True)
class CaseCheck:
    """What the minutes hold for one case of the list, and what is missing."""

    item: AgendaItem
    entries: int
    has_risk_summary: bool
    actions: int
    reason: ApprovalReason | None = None  # once approved, the reason given (if any)

    @property
    def missing(self) -> list[str]:
        """Keys of ``MISSING_LABELS`` this case lacks, in the order they are shown (for a
        co-ordinated case, only the chair's sign-off counts)."""
        if self.item.is_coordinated:
            return [] if self.item.is_signed_off else ["sign_off"]
        return [
            key
            for key, lacking in (
                ("entries", self.entries == 0),
                ("risk_summary", not self.has_risk_summary),
                ("actions", self.actions == 0),
            )
            if lacking
        ]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_text(self) -> str:
        return missing_text(self.missing)

    @property
    def field_name(self) -> str:
        """The name of this case's reason field on the check form."""
        return reason_field(self.item.id)


def reason_field(agenda_item_id: int) -> str:
    return f"reason_{agenda_item_id}"


def reasons_of(meeting: Meeting) -> dict[int, ApprovalReason]:
    """The approval reasons of ``meeting``'s cases, by agenda item id (empty before approval)."""
    rows = db.session.scalars(
        sa.select(ApprovalReason)
        .join(MinutesApproval, MinutesApproval.id == ApprovalReason.approval_id)
        .where(MinutesApproval.meeting_id == meeting.id)
    )
    return {row.agenda_item_id: row for row in rows}


def approval_check(meeting: Meeting) -> list[CaseCheck]:
    """Every case on ``meeting``'s list, in order, with its entry and action counts and
    whether its risk summary was recorded (three queries whatever the list's length)."""
    items = case_list(meeting)
    ids = [item.id for item in items]
    entry_counts: dict[int, int] = {}
    summaries: set[int] = set()
    if ids:
        entry_counts = {
            item_id: count
            for item_id, count in db.session.execute(
                sa.select(MinuteEntry.agenda_item_id, sa.func.count(MinuteEntry.id))
                .where(MinuteEntry.agenda_item_id.in_(ids))
                .group_by(MinuteEntry.agenda_item_id)
            )
        }
        summaries = set(
            db.session.scalars(
                sa.select(RiskSummary.agenda_item_id).where(RiskSummary.agenda_item_id.in_(ids))
            )
        )
    actions = actions_agreed_at_by_case(meeting)
    reasons = reasons_of(meeting)
    return [
        CaseCheck(
            item=item,
            entries=entry_counts.get(item.id, 0),
            has_risk_summary=item.id in summaries,
            actions=len(actions.get(item.case_id, [])),
            reason=reasons.get(item.id),
        )
        for item in items
    ]


def _clean_reason(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def refusals(
    checks: list[CaseCheck], *, confirmed: bool, reasons: Mapping[int, str | None]
) -> dict[str, str]:
    """Every reason the approval would be refused, by form field name (``confirm`` and
    ``reason_<agenda item id>``), in page order; empty when it may go ahead."""
    found: dict[str, str] = {}
    for check in checks:
        if check.complete:
            continue
        reason = _clean_reason(reasons.get(check.item.id))
        if not reason:
            found[check.field_name] = (
                f"Enter why case {check.item.case.reference} is approved without "
                f"{check.missing_text}"
            )
        elif len(reason) > REASON_MAX:
            found[check.field_name] = (
                f"The reason for case {check.item.case.reference} must be "
                f"{REASON_MAX:,} characters or fewer"
            )
    if not confirmed:
        found["confirm"] = CONFIRM_MESSAGE
    return found


def approve_checked(
    meeting: Meeting,
    *,
    confirmed: bool,
    reasons: Mapping[int, str | None],
    actor: User,
) -> MinutesApproval:
    """Approve ``meeting``'s minutes after the check: the chair confirmed, and gave a reason
    for every incomplete case (``reasons`` by agenda item id; others are ignored).

    Raises ``ApprovedError`` when already approved, ``ServiceError`` while the gate is closed
    or for the first of ``refusals`` (naming its field). Stores one ``ApprovalReason`` per
    incomplete case. Callers check permissions (the chair of the area).
    """
    services.require_not_approved(meeting)
    require_gate_open(meeting)
    checks = approval_check(meeting)
    problems = refusals(checks, confirmed=confirmed, reasons=reasons)
    if problems:
        field, message = next(iter(problems.items()))
        raise ServiceError(message, field=field)
    incomplete = [check for check in checks if not check.complete]
    approval = services.approve(meeting, actor=actor, incomplete=len(incomplete))
    for check in incomplete:
        db.session.add(
            ApprovalReason(
                approval_id=approval.id,
                agenda_item_id=check.item.id,
                missing=" ".join(check.missing),
                reason=_clean_reason(reasons.get(check.item.id)),
            )
        )
    db.session.flush()
    return approval
