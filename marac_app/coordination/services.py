"""Co-ordination without a hearing (issue 14): triage of a meeting's list, and the record of
a co-ordinated case.

- ``triage``: the coordinator sets each case of the list to heard or co-ordinated (a
  co-ordinated case with a closing date, by default the meeting's date), in one change,
  against the versions the page was opened with (a stale post is a ``ConflictError``).
  ``bulk_modes`` computes the "every case" and "below a DASH score" choices.
- ``agree_action``: an action agreed on a co-ordinated case's page with its owning agency
  (``action_items.create_action``; no confidentiality gate: there is no hearing).
- ``sign_off``: the chair signs off the case record; refused without an action or a reason
  why there are none.

Nothing changes once the minutes are approved (``minutes.services.ApprovedError``). Services
flush, never commit; every change is audited with the case's id. The audit detail holds ids,
modes and dates only — never the reason's text.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from marac_app.action_items.models import ActionItem, ActionPriority
from marac_app.action_items.services import create_action
from marac_app.agencies.models import Agency
from marac_app.attendance.services import CANCELLED
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.time import LONDON
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.services import require_not_approved
from marac_app.referrals.models import AgendaItem, CaseMode
from marac_app.referrals.services import case_list

REASON_MAX = 2000
STALE_TRIAGE = (
    "Someone changed the case list or its triage since you opened this page. The page now "
    "shows the list as it is: check it and save again"
)
NOT_COORDINATED = "This case is not co-ordinated: it is heard at the meeting"
ALREADY_SIGNED_OFF = "The case record has already been signed off"
NO_ACTIONS_OR_REASON = (
    "Agree at least one action, or enter why no actions were agreed, before you sign off "
    "the case record"
)
REASON_TOO_LONG = f"The reason must be {REASON_MAX:,} characters or fewer"
BELOW_MISSING = "Enter a DASH score from 1 to 24"


def mode_field(item_id: int) -> str:
    """The name of a case's heard / co-ordinated choice on the triage form."""
    return f"mode_{item_id}"


def closing_field(item_id: int) -> str:
    """The name of a case's closing date on the triage form."""
    return f"closing_{item_id}"


def meeting_date(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(LONDON).date()


def triage_list(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's list as the triage page shows it (cases under restriction left out)."""
    return case_list(meeting)


def versions_token(items: list[AgendaItem]) -> str:
    """``"12:1,13:3"``: each item's id and triage version, carried by the triage form."""
    return ",".join(f"{item.id}:{item.triage_version}" for item in items)


def parse_versions(token: str | None) -> dict[int, int] | None:
    """The ids and versions of ``versions_token``; None when it is not one."""
    found: dict[int, int] = {}
    for part in (token or "").split(","):
        item_id, _, version = part.partition(":")
        if not (item_id.isdigit() and version.isdigit()) or len(part) > 40:
            return None
        found[int(item_id)] = int(version)
    return found


class Bulk(enum.StrEnum):
    """A choice for the whole list, instead of case by case."""

    COORDINATE_ALL = "coordinate_all"
    HEAR_ALL = "hear_all"
    COORDINATE_BELOW = "coordinate_below"

    @property
    def label(self) -> str:
        return {
            "coordinate_all": "Co-ordinate every case (the whole meeting is co-ordinated)",
            "hear_all": "Hear every case at the meeting",
            "coordinate_below": "Co-ordinate every case with a DASH score below a number, "
            "hear the others (cases without a DASH score keep their choice)",
        }[self.value]


def risk_score(item: AgendaItem) -> int | None:
    """The DASH score of the referral being heard (or the case's latest), if recorded."""
    referral = item.referral or item.case.last_referral
    return referral.dash_score if referral is not None else None


def bulk_modes(
    items: list[AgendaItem], bulk: Bulk | str, below: int | None
) -> dict[int, CaseMode | None]:
    """The mode ``bulk`` gives each item, by id (None: the item keeps its posted choice).
    Raises ``ServiceError`` on ``below`` when a score is needed and not from 1 to 24."""
    choice = Bulk(bulk)
    if choice is Bulk.COORDINATE_ALL:
        return {item.id: CaseMode.COORDINATED for item in items}
    if choice is Bulk.HEAR_ALL:
        return {item.id: CaseMode.HEARD for item in items}
    if below is None or not 1 <= below <= 24:
        raise ServiceError(BELOW_MISSING, field="below")
    modes: dict[int, CaseMode | None] = {}
    for item in items:
        score = risk_score(item)
        modes[item.id] = (
            None if score is None else CaseMode.COORDINATED if score < below else CaseMode.HEARD
        )
    return modes


@dataclass(frozen=True)
class TriageChoice:
    """What the triage form says for one case."""

    mode: CaseMode | str | None
    closing_date: date | None = None


def _require_open(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ServiceError(CANCELLED)
    require_not_approved(meeting)


def triage(
    meeting: Meeting,
    *,
    choices: Mapping[int, TriageChoice],
    versions: Mapping[int, int] | None,
    actor: User,
) -> int:
    """Set every case of ``meeting``'s list to heard or co-ordinated, as ``choices`` (by
    agenda item id) say; returns how many changed.

    A co-ordinated case's closing date is the one chosen, else the meeting's date; a heard
    case has none. Raises ``ConflictError`` when ``versions`` (the ids and triage versions
    the page was opened with) do not match the list now (a case added, removed or triaged by
    someone else since), ``ApprovedError`` once the minutes are approved, and
    ``ServiceError`` on a case's field (``mode_<id>``) for a missing choice, for a case
    already being heard or heard that would become co-ordinated, and for a signed-off case
    that would change. Callers check permissions (the area's coordinator).
    """
    _require_open(meeting)
    items = triage_list(meeting)
    if versions is None or versions != {item.id: item.triage_version for item in items}:
        raise ConflictError(STALE_TRIAGE)
    default_closing = meeting_date(meeting)
    changed = 0
    for item in items:
        reference = item.case.reference
        choice = choices.get(item.id)
        try:
            mode = CaseMode(choice.mode) if choice is not None and choice.mode else None
        except ValueError:
            mode = None
        if mode is None:
            raise ServiceError(
                f"Select heard or co-ordinated for case {reference}", field=mode_field(item.id)
            )
        closing = None
        if mode is CaseMode.COORDINATED:
            closing = (choice.closing_date if choice else None) or default_closing
        if mode == item.mode and closing == item.closing_date:
            continue
        if item.is_signed_off:
            raise ServiceError(
                f"Case {reference}'s record has been signed off: it cannot be triaged again",
                field=mode_field(item.id),
            )
        if mode is CaseMode.COORDINATED and item.hearing_started_at is not None:
            raise ServiceError(
                f"Case {reference} has been heard at the meeting: it cannot be co-ordinated",
                field=mode_field(item.id),
            )
        item.mode = mode
        item.closing_date = closing
        item.triage_version += 1
        changed += 1
        db.session.flush()
        record(
            AuditAction.CASE_TRIAGED,
            actor=actor,
            object_type="agenda_item",
            object_id=item.id,
            case_ids=[item.case_id],
            detail=f"meeting={meeting.id} mode={mode.value} "
            f"closing={closing.isoformat() if closing else ''}",
        )
    return changed


# --- The record of a co-ordinated case -------------------------------------------------


def actions_of(item: AgendaItem) -> list[ActionItem]:
    """The actions agreed for ``item`` (on its case page), by due date."""
    return list(
        db.session.scalars(
            sa.select(ActionItem)
            .where(ActionItem.agenda_item_id == item.id)
            .order_by(ActionItem.due_date, ActionItem.id)
        )
    )


def _require_coordinated_and_open(item: AgendaItem) -> None:
    if not item.is_coordinated:
        raise ServiceError(NOT_COORDINATED)
    _require_open(item.meeting)
    if item.is_signed_off:
        raise ServiceError(ALREADY_SIGNED_OFF)


def agree_action(
    item: AgendaItem,
    *,
    owner_agency: Agency | None,
    description: str | None,
    due_date: date | None,
    priority: ActionPriority | str | None,
    actor: User,
) -> ActionItem:
    """Agree an action for co-ordinated ``item`` with its owning agency. Refused while the
    case is not co-ordinated, once its record is signed off or the minutes approved, then
    as ``create_action`` (whose refusals name its fields: ``due_date``, ``owner_agency``…)."""
    _require_coordinated_and_open(item)
    return create_action(
        item.case,
        owner_agency=owner_agency,
        description=description,
        due_date=due_date,
        priority=priority,
        actor=actor,
        agenda_item=item,
    )


def sign_off(item: AgendaItem, *, no_actions_reason: str | None, actor: User) -> AgendaItem:
    """The chair signs off co-ordinated ``item``'s case record now.

    ``no_actions_reason`` ("no actions because …", plain text) is needed when no action was
    agreed for the item, and kept when given. Raises ``ServiceError`` when the case is not
    co-ordinated or already signed off, when there is neither an action nor a reason, or the
    reason is too long (field ``no_actions_reason``); ``ApprovedError`` once the minutes are
    approved. Callers check permissions (the chair of the area).
    """
    _require_coordinated_and_open(item)
    reason = (no_actions_reason or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(reason) > REASON_MAX:
        raise ServiceError(REASON_TOO_LONG, field="no_actions_reason")
    actions = len(actions_of(item))
    if not actions and not reason:
        raise ServiceError(NO_ACTIONS_OR_REASON, field="no_actions_reason")
    item.signed_off_at = utcnow()
    item.signed_off_by_id = actor.id
    item.no_actions_reason = reason or None
    item.triage_version += 1  # a triage page opened before the sign-off is stale now
    db.session.flush()
    record(
        AuditAction.COORDINATED_CASE_SIGNED_OFF,
        actor=actor,
        object_type="agenda_item",
        object_id=item.id,
        case_ids=[item.case_id],
        detail=f"meeting={item.meeting_id} actions={actions} reason={'yes' if reason else 'no'}",
    )
    return item
