"""Agreeing actions, recording their status, and the lists the meeting and the agencies read.

Services flush, never commit, and never read the request. Every change writes its audit
event in the same transaction. Refusals raise ``ServiceError`` naming the form field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from marac_app.action_items.chasing import chase_recipients
from marac_app.action_items.models import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    ActionItem,
    ActionPriority,
    ActionStatus,
    ActionStatusUpdate,
)
from marac_app.action_items.permissions import unrestricted_clause, visible_actions_clause
from marac_app.agencies.models import Agency, agency_areas
from marac_app.agencies.queries import agencies_of_area  # noqa: F401 - views and minutes use it
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.time import LONDON, format_long_date, london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.notifications.models import NotificationKind
from marac_app.notifications.services import notify
from marac_app.protocol.services import require_signed_up
from marac_app.referrals.models import AgendaItem, Case
from marac_app.referrals.restriction import is_restricted, restricted_case_ids

logger = logging.getLogger(__name__)

# The refusals the forms give too (marac_app/action_items/forms.py): one wording for each.
DESCRIPTION_MISSING = "Enter what the action is"
DESCRIPTION_TOO_LONG = f"The action must be {DESCRIPTION_MAX} characters or fewer"
OWNER_AGENCY_MISSING = "Select the owner agency"
DUE_DATE_MISSING = "Enter the due date"
PRIORITY_MISSING = "Select the priority"
STATUS_MISSING = "Select the new status of the action"
NOTE_TOO_LONG = f"The note must be {NOTE_MAX} characters or fewer"

# Where an action may go from each status. Reopening (back to OPEN) is for coordinators only.
TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.OPEN: frozenset(
        {ActionStatus.COMPLETED, ActionStatus.NOT_COMPLETED, ActionStatus.NOT_POSSIBLE}
    ),
    ActionStatus.COMPLETED: frozenset({ActionStatus.OPEN}),
    ActionStatus.NOT_COMPLETED: frozenset({ActionStatus.OPEN}),
    ActionStatus.NOT_POSSIBLE: frozenset({ActionStatus.OPEN}),
}

NOTE_PROMPTS: dict[ActionStatus, str] = {
    ActionStatus.COMPLETED: "Enter what was done to complete the action",
    ActionStatus.NOT_COMPLETED: "Enter why the agency did not complete the action",
    ActionStatus.NOT_POSSIBLE: "Enter how circumstances changed so the action is not possible",
    ActionStatus.OPEN: "Enter why the action is being reopened",
}


def allowed_statuses(action: ActionItem, actor: User) -> list[ActionStatus]:
    """The statuses ``actor`` may move ``action`` to (in a stable order)."""
    targets = TRANSITIONS[action.status]
    if ActionStatus.OPEN in targets and actor.role != Role.COORDINATOR:
        targets = targets - {ActionStatus.OPEN}
    return [s for s in ActionStatus if s in targets]


def _clean_text(value: str | None, *, field: str, empty: str, too_long: str, limit: int) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ServiceError(empty, field=field)
    if len(text) > limit:
        raise ServiceError(too_long, field=field)
    return text


def representatives_of_area(area_id: int) -> list[User]:
    """Active agency representatives whose agency takes part in ``area_id``."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(agency_areas, agency_areas.c.agency_id == User.agency_id)
            .where(
                agency_areas.c.area_id == area_id,
                User.role == Role.AGENCY_REP,
                User.active.is_(True),
            )
            .order_by(User.name)
        )
    )


def create_action(
    case: Case,
    *,
    owner_agency: Agency | None,
    description: str | None,
    due_date: date | None,
    priority: ActionPriority | str | None,
    actor: User | None,
    agenda_item: AgendaItem | None = None,
    meeting: Meeting | None = None,
    owner_user: User | None = None,
    needs_address: bool = False,
) -> ActionItem:
    """Agree a new open action for ``case``, owned by ``owner_agency``.

    Refuses (ServiceError with the field name): an empty or over-long description, a missing
    or past due date, a missing priority, an agency that does not take part in the case's area
    or is not signed up to the information-sharing protocol (with the reason), a named person
    outside the owning agency, and an agenda item or meeting of another case or area.
    """
    text = _clean_text(
        description,
        field="description",
        empty=DESCRIPTION_MISSING,
        too_long=DESCRIPTION_TOO_LONG,
        limit=DESCRIPTION_MAX,
    )
    if owner_agency is None:
        raise ServiceError(OWNER_AGENCY_MISSING, field="owner_agency")
    if case.area_id not in {area.id for area in owner_agency.areas} or not owner_agency.active:
        raise ServiceError(
            f"{owner_agency.name} does not take part in this MARAC area", field="owner_agency"
        )
    require_signed_up(owner_agency, field="owner_agency")
    if due_date is None:
        raise ServiceError(DUE_DATE_MISSING, field="due_date")
    if due_date < london_today():
        raise ServiceError("The due date must be today or in the future", field="due_date")
    try:
        level = ActionPriority(priority) if priority else None
    except ValueError:
        level = None
    if level is None:
        raise ServiceError(PRIORITY_MISSING, field="priority")
    if owner_user is not None and (
        owner_user.agency_id != owner_agency.id or not owner_user.active
    ):
        raise ServiceError(
            f"The named person must be an active member of {owner_agency.name}", field="owner_user"
        )
    if agenda_item is not None:
        if agenda_item.case_id != case.id:
            # Not a field of any form (the form carries the item's id): the error summary.
            raise ServiceError("The agenda item belongs to another case")
        meeting = meeting or agenda_item.meeting
    if meeting is not None and meeting.area_id != case.area_id:
        raise ServiceError("The meeting belongs to another MARAC area")
    action = ActionItem(
        case_id=case.id,
        agenda_item_id=agenda_item.id if agenda_item else None,
        meeting_id=meeting.id if meeting else None,
        owner_agency_id=owner_agency.id,
        owner_user_id=owner_user.id if owner_user else None,
        description=text,
        due_date=due_date,
        priority=level,
        status=ActionStatus.OPEN,
        created_by_id=actor.id if actor else None,
        needs_address=bool(needs_address),
    )
    db.session.add(action)
    db.session.flush()
    record(
        AuditAction.ACTION_CREATED,
        actor=actor,
        object_type="action",
        object_id=action.id,
        detail=f"case={case.id} agency={owner_agency.id}"
        + (" needs_address=yes" if action.needs_address else ""),
    )
    logger.info(
        "action %s created for case %s by user %s", action.id, case.id, actor.id if actor else None
    )
    _notify_assigned(action, case, owner_agency, owner_user)
    return action


def _notify_assigned(
    action: ActionItem, case: Case, agency: Agency, owner_user: User | None
) -> None:
    """Tell the owning agency (its points of contact, else its representatives in the case's
    area, and the named person) that an action is theirs: the due date only. Not for a
    restricted case, whose actions representatives cannot see."""
    if is_restricted(case.id):
        return
    people = {u.id: u for u in chase_recipients(agency.id, case.area_id)}
    if owner_user is not None and owner_user.role == Role.AGENCY_REP:
        people.setdefault(owner_user.id, owner_user)
    text = f"An action has been assigned to your agency, due {format_long_date(action.due_date)}"
    for person in people.values():
        notify(person, NotificationKind.ACTION_ASSIGNED, f"/actions/{action.id}", text)


def update_status(
    action: ActionItem,
    *,
    status: ActionStatus | str | None,
    note: str | None,
    dated: date | None = None,
    version: int | None,
    actor: User,
) -> ActionStatusUpdate:
    """Move ``action`` to ``status`` with a note dated ``dated`` (default today, London) and
    keep the change in its history.

    Raises ConflictError when ``version`` is not the saved version (someone saved first), and
    ServiceError (with the field) for a missing or disallowed status, a missing or over-long
    note, or a future date. Reopening is for coordinators only.
    """
    if version is None or version != action.version:
        raise ConflictError(
            "Someone else updated this action while you were editing it. "
            "Check what is saved now, then save your update again"
        )
    try:
        target = ActionStatus(status) if status else None
    except ValueError:
        target = None
    if target is None:
        raise ServiceError(STATUS_MISSING, field="status")
    if target not in TRANSITIONS[action.status]:
        if target is action.status:
            raise ServiceError(f"The action is already {target.label.lower()}", field="status")
        raise ServiceError(
            "A closed action must be reopened before its status can change", field="status"
        )
    if target is ActionStatus.OPEN and actor.role != Role.COORDINATOR:
        raise ServiceError("Only the MARAC coordinator can reopen an action", field="status")
    text = _clean_text(
        note,
        field="note",
        empty=NOTE_PROMPTS[target],
        too_long=NOTE_TOO_LONG,
        limit=NOTE_MAX,
    )
    dated = dated or london_today()
    if dated > london_today():
        raise ServiceError("The date this happened must be today or in the past", field="dated")
    previous = action.status
    change = ActionStatusUpdate(
        from_status=previous, to_status=target, note=text, dated=dated, by_id=actor.id
    )
    action.updates.append(change)
    action.status = target
    action.status_note = text
    action.status_changed_at = utcnow()
    # Progress belongs to the action's open spell: a change of status ends "In progress".
    action.progress_at = None
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(
            "Someone else updated this action while you were editing it. "
            "Check what is saved now, then save your update again"
        ) from error
    record(
        AuditAction.ACTION_STATUS_UPDATED,
        actor=actor,
        object_type="action",
        object_id=action.id,
        detail=f"from={previous.value} to={target.value}",
    )
    return change


# --- Lists ------------------------------------------------------------------------------


def _with_details(query: sa.Select) -> sa.Select:
    """Load what a list row shows in the same query (no query per row)."""
    return query.options(
        joinedload(ActionItem.case),
        joinedload(ActionItem.owner_agency),
        joinedload(ActionItem.owner_user),
    )


def _in_area(area_id: int) -> sa.ColumnElement[bool]:
    """``Case.area_id == area_id`` for action queries read in due-date order. SQLite's planner
    would read every action the area ever had (ten years of them) through the area index and
    sort them all for one page: "+ 0" keeps it on the due-date indexes. PostgreSQL's planner
    chooses well on its own (and is misled by the "+ 0")."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (Case.area_id + 0) == area_id
    return Case.area_id == area_id


def _status_is(status: ActionStatus) -> sa.ColumnElement[bool]:
    """``ActionItem.status == status`` with the value written into the SQL: open actions are
    few and closed ones many, and PostgreSQL's generic plan for a prepared statement (used
    after a few runs) cannot tell them apart without it."""
    return ActionItem.status == sa.literal(status.value, literal_execute=True)


def outstanding_actions(
    area_id: int, before_meeting: Meeting, limit: int | None = None
) -> list[ActionItem]:
    """Open actions of ``area_id`` agreed before ``before_meeting`` (at an earlier meeting, or
    between meetings), oldest due first: what the chair reviews at the start of the meeting.
    ``limit``: at most that many (the page shows the first ones; the document lists all)."""
    earlier_meeting = sa.select(Meeting.id).where(
        Meeting.area_id == area_id,
        Meeting.starts_at < before_meeting.starts_at,
        Meeting.id != before_meeting.id,
    )
    query = (
        sa.select(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .where(
            _in_area(area_id),
            ActionItem.status == ActionStatus.OPEN,
            sa.or_(
                ActionItem.meeting_id.in_(earlier_meeting),
                sa.and_(
                    ActionItem.meeting_id.is_(None),
                    ActionItem.created_at < before_meeting.starts_at,
                ),
            ),
        )
        .order_by(ActionItem.due_date, ActionItem.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(_with_details(query)).unique())


def agreed_at(meeting: Meeting) -> sa.ColumnElement[bool]:
    """The one rule for "an action agreed at ``meeting``": recorded against the meeting, or
    against one of its agenda items (an action agreed from the case page names its item)."""
    items = sa.select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id)
    return sa.or_(ActionItem.meeting_id == meeting.id, ActionItem.agenda_item_id.in_(items))


def actions_agreed_at(
    meeting: Meeting, *, owner_agency_id: int | None = None, unrestricted_only: bool = False
) -> list[ActionItem]:
    """The actions agreed at ``meeting`` (``agreed_at``), by case reference then due date,
    with their case, owner agency and named person loaded. ``owner_agency_id``: only that
    agency's; ``unrestricted_only``: leaving out cases under restriction of processing (for
    what leaves the app: copies and extracts)."""
    query = (
        sa.select(ActionItem).join(Case, Case.id == ActionItem.case_id).where(agreed_at(meeting))
    )
    if owner_agency_id is not None:
        query = query.where(ActionItem.owner_agency_id == owner_agency_id)
    if unrestricted_only:
        query = query.where(ActionItem.case_id.not_in(restricted_case_ids()))
    query = query.order_by(Case.reference, ActionItem.due_date, ActionItem.id)
    return list(db.session.scalars(_with_details(query)).unique())


def actions_agreed_at_by_case(meeting: Meeting) -> dict[int, list[ActionItem]]:
    """``actions_agreed_at(meeting)`` by case id (each case's by due date): one query for a
    document or page that shows every case of the meeting."""
    by_case: dict[int, list[ActionItem]] = {}
    for action in actions_agreed_at(meeting):
        by_case.setdefault(action.case_id, []).append(action)
    return by_case


def actions_of_case(case_id: int) -> list[ActionItem]:
    """Every action of the case (agreed at any meeting or between them), by due date, with
    its owner agency and named person loaded."""
    query = (
        sa.select(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .where(ActionItem.case_id == case_id)
        .order_by(ActionItem.due_date, ActionItem.id)
    )
    return list(db.session.scalars(_with_details(query)).unique())


def overdue_query(on: date | None = None) -> sa.Select:
    """``select(ActionItem)`` of every open action due before ``on`` (default today)."""
    on = on or london_today()
    return (
        sa.select(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .where(ActionItem.status == ActionStatus.OPEN, ActionItem.due_date < on)
    )


def overdue_actions(
    user: User, *, on: date | None = None, limit: int | None = None
) -> list[ActionItem]:
    """The open actions past their due date that ``user`` may see, by due date."""
    query = overdue_query(on).where(visible_actions_clause(user))
    query = query.order_by(ActionItem.due_date, ActionItem.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(_with_details(query)).unique())


@dataclass(frozen=True)
class ActionFilters:
    status: ActionStatus | None = None
    owner_agency_id: int | None = None
    overdue_only: bool = False
    due_from: date | None = None
    due_to: date | None = None
    case_reference: str = ""
    newest_first: bool = False


COUNT_CAP = 10_000


@dataclass(frozen=True)
class ActionPage:
    actions: list[ActionItem]
    total: int
    page: int
    per_page: int
    # True when there are more than COUNT_CAP matching actions (``total`` is then the cap).
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_actions(
    user: User, filters: ActionFilters, *, page: int = 1, per_page: int = 25, on: date | None = None
) -> ActionPage:
    """The actions ``user`` may see that match ``filters``, sorted by due date, one page.

    Visibility is always applied (a filter can never widen it): two queries whatever the
    number of rows.
    """
    on = on or london_today()
    visible = visible_actions_clause(user)
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(_status_is(filters.status))
    if filters.owner_agency_id is not None:
        conditions.append(ActionItem.owner_agency_id == filters.owner_agency_id)
    if filters.overdue_only:
        conditions += [_status_is(ActionStatus.OPEN), ActionItem.due_date < on]
    if filters.due_from is not None:
        conditions.append(ActionItem.due_date >= filters.due_from)
    if filters.due_to is not None:
        conditions.append(ActionItem.due_date <= filters.due_to)
    if filters.case_reference:
        pattern = f"%{filters.case_reference.upper()}%"
        conditions.append(sa.func.upper(Case.reference).like(pattern))
    query = sa.select(ActionItem).join(Case, Case.id == ActionItem.case_id).where(*conditions)
    area_scoped = (
        user.is_authenticated
        and user.active
        and user.role in (Role.COORDINATOR, Role.CHAIR)
        and user.area_id is not None
    )
    if area_scoped or filters.case_reference:
        counted = query.with_only_columns(ActionItem.id).where(visible)
    else:
        # An agency's count needs no case row (every action has exactly one): index only.
        counted = sa.select(ActionItem.id).where(visible, *conditions)
    # Counted up to a cap: ten years of an area's actions are "more than 10,000", and
    # counting them all on every page view would grow with the history.
    total = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery())
        )
        or 0
    )
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    order = ActionItem.due_date.desc() if filters.newest_first else ActionItem.due_date
    page_visible = visible
    if area_scoped and user.area_id is not None and not filters.case_reference:
        # The same rule, read in due-date order.
        page_visible = sa.and_(_in_area(user.area_id), unrestricted_clause(user))
    rows = db.session.scalars(
        _with_details(
            query.where(page_visible)
            .order_by(order, ActionItem.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    ).unique()
    return ActionPage(list(rows), total, page, per_page, capped)


@dataclass(frozen=True)
class AgencySummary:
    open: int
    overdue: int
    completed: int
    next_actions: list[ActionItem]
    on: date


# "Completed" on a home page counts the last year's, so the page does not grow with history.
COMPLETED_WINDOW_DAYS = 365


def actions_summary(user: User, *, on: date | None = None, limit: int = 5) -> AgencySummary:
    """Counts of the actions ``user`` may see — open, overdue, and completed in the last
    ``COMPLETED_WINDOW_DAYS`` — and the next few open ones (by due date): a representative's
    home page ("My agency's actions"). Actions closed before the window are not read."""
    on = on or london_today()
    visible = visible_actions_clause(user)
    since = datetime.combine(on - timedelta(days=COMPLETED_WINDOW_DAYS), time(), tzinfo=LONDON)
    closed_at = sa.func.coalesce(ActionItem.status_changed_at, ActionItem.created_at)
    counts = db.session.execute(
        sa.select(
            sa.func.count().filter(ActionItem.status == ActionStatus.OPEN),
            sa.func.count().filter(
                ActionItem.status == ActionStatus.OPEN, ActionItem.due_date < on
            ),
            sa.func.count().filter(ActionItem.status == ActionStatus.COMPLETED),
        )
        .select_from(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .where(visible, sa.or_(ActionItem.status == ActionStatus.OPEN, closed_at >= since))
    ).one()
    upcoming = db.session.scalars(
        _with_details(
            sa.select(ActionItem)
            .join(Case, Case.id == ActionItem.case_id)
            .where(visible, ActionItem.status == ActionStatus.OPEN)
            .order_by(ActionItem.due_date, ActionItem.id)
            .limit(limit)
        )
    ).unique()
    return AgencySummary(counts[0], counts[1], counts[2], list(upcoming), on)


def overdue_count(user: User, *, on: date | None = None) -> int:
    """How many open actions ``user`` may see are past their due date."""
    query = overdue_query(on).where(visible_actions_clause(user))
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
