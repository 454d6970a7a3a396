"""Keeping time at the meeting: hearing a case, the run sheet, and deferring a case.

- ``start_hearing`` / ``end_hearing``: the chair starts and ends hearing a case (UTC in the
  database, London on the page). Starting a case ends the one being heard, so at most one
  case of a meeting is being heard at a time.
- ``run_sheet``: each case's state (waiting, being heard, heard, deferred), its time, the
  area's target per case, the overrun in words and the projected finish of the list.
  Co-ordinated cases (``AgendaItem.mode``, issue 14) are not heard at the table: they are
  listed apart (``RunSheet.coordinated``), left out of the projection, and cannot be started.
- ``defer_case``: moves an undiscussed case to the next scheduled meeting of the same area,
  with a reason, leaving a ``CaseDeferral`` on this meeting (shown on its run page and in its
  minutes).
- ``set_case_target``: the area's target minutes per case.
- ``deferral_guards`` / ``on_deferred``: hooks for the features above this one (which it
  cannot import): a guard may refuse a deferral (the minutes refuse once they are approved);
  an ``on_deferred`` hook moves its rows from the old agenda item to the new one before the
  old one is deleted (the minutes move the unsaved drafts).

Services flush, never commit; every change is audited here, in the same transaction. The
audit detail holds ids and numbers only, never the deferral's reason.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa

from marac_app.agencies.models import (
    MAX_CASE_TARGET_MINUTES,
    MIN_CASE_TARGET_MINUTES,
    MaracArea,
)
from marac_app.attendance.models import CaseDeferral
from marac_app.attendance.services import CANCELLED, require_gate_open
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON, format_long_date
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.referrals.models import AgendaItem
from marac_app.referrals.restriction import restricted_case_ids
from marac_app.referrals.services import allocate_to_meeting, remove_from_meeting

REASON_MAX = 500

# A guard returns why ``item``'s case may not be deferred (shown to the chair), or None.
DeferralGuard = Callable[[AgendaItem], str | None]
# Called with (the old agenda item, the new one on the next meeting's list, the actor) after
# the new item exists and before the old one is deleted. It flushes, never commits.
DeferredHook = Callable[[AgendaItem, AgendaItem, User], None]

# Filled once at app set-up by the features above attendance (``add_hook``); empty here.
deferral_guards: list[DeferralGuard] = []
on_deferred: list[DeferredHook] = []
H = TypeVar("H")


def add_hook(hooks: list[H], hook: H) -> None:
    """Add ``hook`` to ``hooks`` once (``create_app`` may run many times in a process)."""
    if hook not in hooks:
        hooks.append(hook)


def deferral_refusal(item: AgendaItem) -> str | None:
    """The first guard's refusal of deferring ``item``'s case, or None when none refuses."""
    for guard in deferral_guards:
        message = guard(item)
        if message:
            return message
    return None


class HearingState(enum.StrEnum):
    WAITING = "waiting"
    BEING_HEARD = "being_heard"
    HEARD = "heard"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    HearingState.WAITING: "Waiting",
    HearingState.BEING_HEARD: "Being heard",
    HearingState.HEARD: "Heard",
    HearingState.DEFERRED: "Deferred",
}


def minutes_words(minutes: int) -> str:
    """``1 minute``, ``12 minutes``."""
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def state_of(item: AgendaItem) -> HearingState:
    if item.hearing_started_at is None:
        return HearingState.WAITING
    if item.hearing_ended_at is None:
        return HearingState.BEING_HEARD
    return HearingState.HEARD


def spent_seconds(item: AgendaItem, now: datetime) -> int:
    """Seconds the case has been heard so far: earlier hearings plus the one running."""
    total = item.hearing_seconds or 0
    if item.hearing_started_at is not None and item.hearing_ended_at is None:
        total += max(0, int((now - item.hearing_started_at).total_seconds()))
    return total


@dataclass(frozen=True)
class CaseTime:
    """One row of the run sheet: an agenda item of the meeting, or a case deferred from it."""

    reference: str
    case_id: int
    state: HearingState
    spent_seconds: int
    target_seconds: int
    item: AgendaItem | None = None
    deferral: CaseDeferral | None = None
    deferred_from: CaseDeferral | None = None  # the case came from an earlier meeting

    @property
    def spent_minutes(self) -> int:
        """Whole minutes spent (a case heard for 59 seconds took 0 minutes)."""
        return self.spent_seconds // 60

    @property
    def over_minutes(self) -> int:
        """Whole minutes over the target (0 when within it)."""
        return max(0, self.spent_seconds - self.target_seconds) // 60

    @property
    def remaining_seconds(self) -> int:
        return max(0, self.target_seconds - self.spent_seconds)

    @property
    def overrun(self) -> str | None:
        """The overrun in words ("3 minutes over its 12-minute target"), or None within it."""
        if self.state not in (HearingState.BEING_HEARD, HearingState.HEARD):
            return None
        if self.spent_seconds <= self.target_seconds:
            return None
        over = max(1, self.over_minutes)
        return f"{minutes_words(over)} over its {self.target_seconds // 60}-minute target"


@dataclass(frozen=True)
class RunSheet:
    """The meeting's cases in order with their timing, and the projected finish."""

    rows: list[CaseTime]
    now: datetime
    target_minutes: int
    current: CaseTime | None
    waiting: int
    projected_finish: datetime | None  # None when no case is waiting or being heard
    planned_end: datetime
    # The co-ordinated cases of the list, in order: not heard, so not in ``rows``.
    coordinated: tuple[AgendaItem, ...] = ()

    @property
    def remaining_seconds(self) -> int:
        current = self.current.remaining_seconds if self.current is not None else 0
        return current + self.waiting * self.target_minutes * 60

    @property
    def finish_against_plan(self) -> str | None:
        """How the projected finish compares with the meeting's planned end, in words."""
        if self.projected_finish is None:
            return None
        difference = math.ceil((self.projected_finish - self.planned_end).total_seconds() / 60)
        if difference > 0:
            return f"{minutes_words(difference)} after the planned end"
        if difference < 0:
            return f"{minutes_words(-difference)} before the planned end"
        return "at the planned end"


def _deferrals(where: sa.ColumnElement[bool]) -> list[CaseDeferral]:
    restricted = restricted_case_ids()
    return list(
        db.session.scalars(
            sa.select(CaseDeferral)
            .where(where, CaseDeferral.case_id.not_in(restricted))
            .order_by(CaseDeferral.deferred_at, CaseDeferral.id)
        )
    )


def deferrals_from(meeting: Meeting) -> list[CaseDeferral]:
    """Cases deferred from ``meeting`` to a later one, oldest first (without cases under
    restriction of processing). For the run page and the minutes of ``meeting``."""
    return _deferrals(CaseDeferral.from_meeting_id == meeting.id)


def deferrals_to(meeting: Meeting) -> list[CaseDeferral]:
    """Cases deferred to ``meeting`` from earlier meetings."""
    return _deferrals(CaseDeferral.to_meeting_id == meeting.id)


def run_sheet(
    meeting: Meeting, items: list[AgendaItem], *, now: datetime | None = None
) -> RunSheet:
    """The run sheet of ``meeting``: ``items`` (its case list, in order) then the cases
    deferred from it. The projected finish is ``now`` plus the current case's remaining
    target plus the target for each waiting case. Co-ordinated items are kept apart in
    ``coordinated`` (they have no hearing, so no time and no place in the projection)."""
    now = now or utcnow()
    coordinated = tuple(item for item in items if item.is_coordinated)
    items = [item for item in items if not item.is_coordinated]
    target_minutes = meeting.area.case_target_minutes
    target = target_minutes * 60
    arrived = {deferral.case_id: deferral for deferral in deferrals_to(meeting)}
    rows = [
        CaseTime(
            reference=item.case.reference,
            case_id=item.case_id,
            state=state_of(item),
            spent_seconds=spent_seconds(item, now),
            target_seconds=target,
            item=item,
            deferred_from=arrived.get(item.case_id),
        )
        for item in items
    ]
    listed = {item.case_id for item in items} | {item.case_id for item in coordinated}
    for deferral in deferrals_from(meeting):
        if deferral.case_id in listed:  # deferred, then put back on this list by hand
            continue
        rows.append(
            CaseTime(
                reference=deferral.case.reference,
                case_id=deferral.case_id,
                state=HearingState.DEFERRED,
                spent_seconds=0,
                target_seconds=target,
                deferral=deferral,
            )
        )
    current = next((row for row in rows if row.state == HearingState.BEING_HEARD), None)
    waiting = sum(1 for row in rows if row.state == HearingState.WAITING)
    projected = None
    if current is not None or waiting:
        left = (current.remaining_seconds if current else 0) + waiting * target
        projected = now + timedelta(seconds=left)
    return RunSheet(
        rows=rows,
        now=now,
        target_minutes=target_minutes,
        current=current,
        waiting=waiting,
        projected_finish=projected,
        planned_end=meeting.ends_at,
        coordinated=coordinated,
    )


# --- Hearing a case ------------------------------------------------------------------------


def _end(item: AgendaItem, now: datetime, actor: User) -> None:
    started = item.hearing_started_at
    assert started is not None
    item.hearing_seconds = (item.hearing_seconds or 0) + max(
        0, int((now - started).total_seconds())
    )
    item.hearing_ended_at = now
    db.session.flush()
    record(
        AuditAction.CASE_HEARING_ENDED,
        actor=actor,
        object_type="agenda_item",
        object_id=item.id,
        case_ids=[item.case_id],
        detail=f"meeting={item.meeting_id} seconds={item.hearing_seconds}",
    )


def start_hearing(meeting: Meeting, item: AgendaItem, *, actor: User) -> AgendaItem | None:
    """Start hearing ``item`` now; the case being heard before it (if any) ends now.

    Returns the item whose hearing was ended, or None. Starting the case already being
    heard changes nothing. A case heard earlier can be started again: its time carries on
    from what it had. Raises ``ServiceError`` when the gate is closed or the meeting cancelled,
    or when the case is co-ordinated (not heard at the table).
    """
    require_gate_open(meeting)  # a cancelled meeting's gate is closed too
    if item.is_coordinated:
        raise ServiceError(f"{item.case.reference} is co-ordinated: it is not heard at the meeting")
    if state_of(item) == HearingState.BEING_HEARD:
        return None
    now = utcnow()
    previous = db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.id != item.id,
            AgendaItem.hearing_started_at.is_not(None),
            AgendaItem.hearing_ended_at.is_(None),
        )
    )
    if previous is not None:
        _end(previous, now, actor)
    item.hearing_started_at = now
    item.hearing_ended_at = None
    db.session.flush()
    record(
        AuditAction.CASE_HEARING_STARTED,
        actor=actor,
        object_type="agenda_item",
        object_id=item.id,
        case_ids=[item.case_id],
        detail=f"meeting={meeting.id} ended_item={previous.id if previous else ''}",
    )
    return previous


def end_hearing(meeting: Meeting, item: AgendaItem, *, actor: User) -> None:
    """Mark ``item`` heard now. Raises ``ServiceError`` when it is not being heard."""
    if meeting.is_cancelled:
        raise ServiceError(CANCELLED)
    if state_of(item) != HearingState.BEING_HEARD:
        raise ServiceError(f"{item.case.reference} is not being heard")
    _end(item, utcnow(), actor)


# --- Deferring a case ----------------------------------------------------------------------


def next_meeting(meeting: Meeting) -> Meeting | None:
    """The next scheduled (not cancelled) meeting of ``meeting``'s area after it."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.area_id == meeting.area_id,
            Meeting.id != meeting.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > meeting.starts_at,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


def meeting_words(meeting: Meeting) -> str:
    """``the meeting on 14 January 2027 at 10:00``."""
    local = meeting.starts_at.astimezone(LONDON)
    return f"the meeting on {format_long_date(local.date())} at {local:%H:%M}"


def defer_case(meeting: Meeting, item: AgendaItem, *, reason: str, actor: User) -> CaseDeferral:
    """Defer ``item``'s case to the next meeting of the same area, for ``reason``.

    The case leaves this meeting's list and joins the end of the next meeting's (with the
    referral being heard, if any). Refused (``ServiceError``) when the reason is missing or
    too long (field ``reason``), the gate is closed, there is no later scheduled meeting of
    the area, the case is already on that meeting's list, the case has been discussed
    here (it has minutes or actions: the minutes must say what happened instead), or a
    ``deferral_guards`` hook refuses (e.g. the minutes have been approved).
    """
    if meeting.is_cancelled:
        raise ServiceError(CANCELLED)
    refusal = deferral_refusal(item)
    if refusal is not None:
        raise ServiceError(refusal)
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise ServiceError("Enter why the case is being deferred", field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"The reason must be {REASON_MAX} characters or fewer", field="reason")
    require_gate_open(meeting)
    case = item.case
    target = next_meeting(meeting)
    if target is None:
        raise ServiceError(
            f"There is no later meeting of {meeting.area.name} MARAC to defer "
            f"{case.reference} to. Ask the coordinator to schedule the next meeting first"
        )
    already = db.session.scalar(
        sa.select(AgendaItem.id).where(
            AgendaItem.meeting_id == target.id, AgendaItem.case_id == case.id
        )
    )
    if already is not None:
        raise ServiceError(
            f"{case.reference} is already on the case list of {meeting_words(target)}"
        )
    referral = item.referral
    item_id = item.id
    # The new item first, so the hooks can move rows onto it before the old one goes (a
    # refusal below rolls both back with the request).
    moved_to = allocate_to_meeting(referral if referral is not None else case, target, actor)
    for hook in on_deferred:
        hook(item, moved_to, actor)
    try:
        remove_from_meeting(item, actor)
    except ServiceError as error:
        raise ServiceError(
            f"{case.reference} has been discussed at this meeting (it has minutes or "
            f"actions), so it cannot be deferred. Record in its minutes why it will be "
            f"heard again"
        ) from error
    deferral = CaseDeferral(
        case_id=case.id,
        from_meeting_id=meeting.id,
        to_meeting_id=target.id,
        reason=reason,
        deferred_by_id=actor.id,
        deferred_at=utcnow(),
    )
    db.session.add(deferral)
    db.session.flush()
    record(
        AuditAction.CASE_DEFERRED,
        actor=actor,
        object_type="case_deferral",
        object_id=deferral.id,
        case_ids=[case.id],
        detail=f"from_meeting={meeting.id} to_meeting={target.id} item={item_id}",
    )
    return deferral


# --- The area's target -----------------------------------------------------------------


def set_case_target(area: MaracArea, *, minutes: int | None, actor: User) -> MaracArea:
    """Set the minutes the chair aims to give each case in ``area`` (1 to 120)."""
    if minutes is None or not MIN_CASE_TARGET_MINUTES <= minutes <= MAX_CASE_TARGET_MINUTES:
        raise ServiceError(
            f"Enter a whole number of minutes from {MIN_CASE_TARGET_MINUTES} to "
            f"{MAX_CASE_TARGET_MINUTES}",
            field="minutes",
        )
    area.case_target_minutes = minutes
    db.session.flush()
    record(
        AuditAction.AREA_UPDATED,
        actor=actor,
        object_type="marac_area",
        object_id=area.id,
        detail=f"case_target_minutes={minutes}",
    )
    return area
