"""The demo actions: added once when Cambridge has cases, and nothing without cases."""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.action_items.demo import seed_actions_demo
from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.agencies.models import MaracArea
from marac_app.common.time import london_today as today
from marac_app.demo import seed_demo
from marac_app.extensions import db
from marac_app.referrals.models import Case


def test_demo_actions_need_cases_and_are_idempotent(app_ctx) -> None:
    seed_demo()
    cam = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == "CAM"))
    has_cases = db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.area_id == cam.id))
    if not has_cases:
        assert db.session.scalar(sa.select(sa.func.count(ActionItem.id))) == 0
        assert seed_actions_demo() == 0
        db.session.add(Case(area_id=cam.id, reference="CAM-2026-9901"))
        db.session.flush()
        assert seed_actions_demo() == 4
    # The four of seed_actions_demo (the past cycle's three are on cases of their own,
    # tests/distribution/test_demo_cycle.py).
    actions = list(db.session.scalars(sa.select(ActionItem).order_by(ActionItem.id).limit(4)))
    assert len(actions) == 4
    assert sum(a.is_overdue(today()) for a in actions) == 1
    assert any(a.status == ActionStatus.COMPLETED and a.updates for a in actions)
    assert seed_actions_demo() == 0
    db.session.rollback()
