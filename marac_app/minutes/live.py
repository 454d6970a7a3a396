"""The live case page's reading helpers: the state version that background polls compare,
and the "repeat case" panel (the case's previous hearing).

Nothing here writes or reads the request; the views in ``views.py`` decide permissions on the
case first (``_load_item``) and audit what they show.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marac_app.action_items.models import ActionItem
from marac_app.action_items.permissions import visible_actions_clause
from marac_app.auth.models import User
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.models import MinuteEntry, MinutesAmendment, MinutesApproval, RiskSummary
from marac_app.minutes.permissions import can_read_minutes
from marac_app.referrals import restriction
from marac_app.referrals.models import AgendaItem, Case, Criterion


def state_version(item: AgendaItem) -> str:
    """``state_of`` for an agenda item already loaded."""
    state = state_of(item.meeting_id, item.case_id)
    return state.version if state is not None else ""


@dataclass(frozen=True)
class LiveState:
    """What an idle poll compares: the agenda item and its state tag. ``meeting`` and
    ``case`` are kept so the session's identity map (weak references) keeps them for the
    permission checks."""

    item_id: int
    version: str
    meeting: Meeting
    case: Case


def state_of(meeting_id: int, case_id: int) -> LiveState | None:
    """The agenda item of the case at the meeting and a short tag that changes whenever
    anything the live page shows of it changes: an entry added or edited (count and sum of
    versions: versions only grow and entries are never deleted), the risk summary saved, an
    action of the case added or updated, the minutes approved or amended. None when the case
    is not on the meeting's list.

    One statement (correlated scalar subqueries over indexed columns). It also loads the
    meeting and the case into the session, so the permission checks that must follow
    (``fetch_or_404`` finds them there) cost no further round trip: an idle poll is cheap."""
    item = AgendaItem

    def scalar(query: sa.Select[Any]) -> sa.ScalarSelect[Any]:
        return query.scalar_subquery()

    row = db.session.execute(
        sa.select(
            item.id,
            Meeting,
            Case,
            scalar(
                sa.select(sa.func.count(MinuteEntry.id)).where(
                    MinuteEntry.agenda_item_id == item.id
                )
            ),
            scalar(
                sa.select(sa.func.sum(MinuteEntry.version)).where(
                    MinuteEntry.agenda_item_id == item.id
                )
            ),
            scalar(sa.select(RiskSummary.version).where(RiskSummary.agenda_item_id == item.id)),
            scalar(
                sa.select(sa.func.count(ActionItem.id)).where(ActionItem.case_id == item.case_id)
            ),
            scalar(
                sa.select(sa.func.sum(ActionItem.version)).where(ActionItem.case_id == item.case_id)
            ),
            scalar(
                sa.select(MinutesApproval.minutes_version).where(
                    MinutesApproval.meeting_id == item.meeting_id
                )
            ),
            scalar(
                sa.select(sa.func.count(MinutesAmendment.id)).where(
                    MinutesAmendment.meeting_id == item.meeting_id
                )
            ),
            restriction.restricted_column(item.case_id),
        )
        .join(Meeting, Meeting.id == item.meeting_id)
        .join(Case, Case.id == item.case_id)
        .where(item.meeting_id == meeting_id, item.case_id == case_id)
    ).first()
    if row is None:
        return None
    # The restriction check that must follow (get_case_or_404) needs no statement of its own.
    restriction.remember(row[2].id, bool(row[-1]))
    return LiveState(
        item_id=row[0],
        version=".".join("-" if value is None else str(value) for value in row[3:-1]),
        meeting=row[1],
        case=row[2],
    )


def etag_for(user: User, item_id: int, version: str, variant: str = "") -> str:
    """The ETag of the live state for this user (what a page shows depends on the role and
    on the entry filter, ``variant``). Opaque: a hash, no ids or names."""
    raw = f"{user.id}:{user.role}:{user.area_id}:{item_id}:{variant}:{version}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class PreviousHearing:
    """The last time the case was heard before this meeting, as this user may see it."""

    item: AgendaItem
    meeting: Meeting
    risk_summary: RiskSummary | None
    actions: list[ActionItem] = field(default_factory=list)

    @property
    def heard_at(self) -> datetime:
        return self.meeting.starts_at


@dataclass(frozen=True)
class RepeatPanel:
    """Whether the case is a repeat, and its previous hearing (None when there was none, or
    when this user may not read that meeting's minutes)."""

    is_repeat: bool
    previous: PreviousHearing | None


def repeat_panel(item: AgendaItem, user: User) -> RepeatPanel:
    """The repeat-case panel of ``item`` for ``user`` (who may already see the case).

    A case is a repeat when the referral being heard is one, or when the case was on the
    list of an earlier meeting. The previous hearing's risk summary and actions are shown
    only when ``user`` may read that meeting's minutes; its actions are limited to those the
    user may see (``visible_actions_clause``)."""
    meeting = item.meeting
    previous_item = db.session.scalar(
        sa.select(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.case_id == item.case_id,
            AgendaItem.id != item.id,
            Meeting.starts_at < meeting.starts_at,
        )
        .options(joinedload(AgendaItem.meeting))
        .order_by(Meeting.starts_at.desc(), AgendaItem.id.desc())
        .limit(1)
    )
    referral = item.referral
    is_repeat = previous_item is not None or (
        referral is not None and (referral.is_repeat or referral.criterion == Criterion.REPEAT)
    )
    if previous_item is None or not can_read_minutes(user, previous_item.meeting):
        return RepeatPanel(is_repeat=is_repeat, previous=None)
    summary = db.session.scalar(
        sa.select(RiskSummary).where(RiskSummary.agenda_item_id == previous_item.id)
    )
    actions = list(
        db.session.scalars(
            sa.select(ActionItem)
            .join(Case, Case.id == ActionItem.case_id)
            .where(
                ActionItem.case_id == item.case_id,
                sa.or_(
                    ActionItem.agenda_item_id == previous_item.id,
                    sa.and_(
                        ActionItem.agenda_item_id.is_(None),
                        ActionItem.meeting_id == previous_item.meeting_id,
                    ),
                ),
                visible_actions_clause(user),
            )
            .options(joinedload(ActionItem.owner_agency))
            .order_by(ActionItem.due_date, ActionItem.id)
        )
    )
    return RepeatPanel(
        is_repeat=True,
        previous=PreviousHearing(
            item=previous_item,
            meeting=previous_item.meeting,
            risk_summary=summary,
            actions=actions,
        ),
    )
