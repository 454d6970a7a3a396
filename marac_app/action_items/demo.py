"""Demo actions for development and the browser tests (fictional; never used in production)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marac_app.action_items.models import (
    ActionItem,
    ActionPriority,
    ActionStatus,
    ActionStatusUpdate,
)
from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import User
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import AgendaItem, Case

POLICE = "Fenshire Constabulary (demo)"
HOUSING = "Riverside Housing Association (demo)"


def seed_actions_demo() -> int:
    """Add a few actions on the Cambridge demo cases (police and housing, one overdue, one
    completed). Does nothing when there are no Cambridge cases or the actions exist already."""
    area = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == "CAM"))
    if area is None:
        return 0
    cases = list(
        db.session.scalars(
            sa.select(Case).where(Case.area_id == area.id).order_by(Case.id).limit(2)
        )
    )
    if not cases:
        return 0
    existing = db.session.scalar(
        sa.select(sa.func.count(ActionItem.id))
        .join(Case, Case.id == ActionItem.case_id)
        .where(Case.area_id == area.id)
    )
    if existing:
        return 0
    police = db.session.scalar(sa.select(Agency).where(Agency.name == POLICE))
    housing = db.session.scalar(sa.select(Agency).where(Agency.name == HOUSING))
    if police is None or housing is None or signup_problem(police) or signup_problem(housing):
        return 0
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@demo.example"))
    first, second = cases[0], cases[-1]
    now = london_today()
    plans = [
        (
            first,
            police,
            "Add a warning marker to the address and arrange a priority response "
            "for any call from it.",
            now + timedelta(days=14),
            ActionPriority.HIGH,
            ActionStatus.OPEN,
        ),
        (
            first,
            housing,
            "Fit additional locks and a door chain at the property (target hardening).",
            now - timedelta(days=3),
            ActionPriority.HIGH,
            ActionStatus.OPEN,
        ),
        (
            second,
            housing,
            "Consider a management move to another property.",
            now + timedelta(days=28),
            ActionPriority.MEDIUM,
            ActionStatus.OPEN,
        ),
        (
            second,
            police,
            "Check for any outstanding warrants and share the result with the IDVA.",
            now - timedelta(days=10),
            ActionPriority.MEDIUM,
            ActionStatus.COMPLETED,
        ),
    ]
    for case, agency, description, due, priority, status in plans:
        item = db.session.scalar(
            sa.select(AgendaItem)
            .where(AgendaItem.case_id == case.id)
            .order_by(AgendaItem.id)
            .limit(1)
        )
        action = ActionItem(
            case_id=case.id,
            owner_agency_id=agency.id,
            description=description,
            due_date=due,
            priority=priority,
            status=ActionStatus.OPEN,
            agenda_item_id=item.id if item else None,
            meeting_id=item.meeting_id if item else None,
            created_by_id=coordinator.id if coordinator else None,
        )
        db.session.add(action)
        if status is ActionStatus.COMPLETED:
            action.status = status
            action.status_note = "Checked: no outstanding warrants. IDVA told."
            action.status_changed_at = utcnow()
            action.updates.append(
                ActionStatusUpdate(
                    from_status=ActionStatus.OPEN,
                    to_status=status,
                    note=action.status_note,
                    dated=now - timedelta(days=11),
                )
            )
    db.session.flush()
    return len(plans)
