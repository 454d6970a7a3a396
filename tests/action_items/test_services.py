"""Agreeing actions and recording their status: the rules reviews rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marac_app.action_items import services
from marac_app.action_items.models import ActionItem, ActionStatus, ActionStatusUpdate
from marac_app.agencies.models import Agency, AgencyKind
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role, User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.time import london_today as today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.referrals.models import Case


@pytest.fixture()
def world(make_area, signed_agency, make_agency, make_case, make_user):
    area = make_area()
    police = signed_agency(area)
    unsigned = make_agency(kind=AgencyKind.PRIMARY_CARE, areas=[area])
    case = make_case(area)
    coordinator = make_user(Role.COORDINATOR, area=area, agency=police)
    rep = make_user(Role.AGENCY_REP, agency=police)
    return {
        "area": area,
        "police": police,
        "unsigned": unsigned,
        "case": case,
        "coordinator": coordinator,
        "rep": rep,
    }


def _get(model, obj):
    return db.session.get(model, obj.id)


def _create(world, **overrides):
    values = {
        "owner_agency": _get(Agency, world["police"]),
        "description": "Flag the address for urgent response",
        "due_date": today() + timedelta(days=7),
        "priority": "high",
        "actor": _get(User, world["coordinator"]),
    }
    values.update(overrides)
    return services.create_action(_get(Case, world["case"]), **values)


def test_create_action_is_open_and_audited(app_ctx, world) -> None:
    action = _create(world)
    assert action.status == ActionStatus.OPEN
    assert action.version == 1
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "action_created", AuditEvent.object_id == str(action.id)
        )
    ).one()
    assert "Flag" not in (event.detail or "")


def test_agency_not_signed_up_cannot_own_an_action(app_ctx, world) -> None:
    with pytest.raises(ServiceError) as refused:
        _create(world, owner_agency=_get(Agency, world["unsigned"]))
    assert refused.value.field == "owner_agency"
    assert "has not signed" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count(ActionItem.id))) == 0


def test_agency_outside_the_area_cannot_own_an_action(
    app_ctx, world, signed_agency, make_area
) -> None:
    elsewhere = signed_agency(make_area())
    with pytest.raises(ServiceError) as refused:
        _create(world, owner_agency=_get(Agency, elsewhere))
    assert refused.value.field == "owner_agency"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"due_date": None}, "due_date"),
        ({"priority": "urgent"}, "priority"),
    ],
)
def test_create_action_refuses_bad_input(app_ctx, world, overrides, field) -> None:
    with pytest.raises(ServiceError) as refused:
        _create(world, **overrides)
    assert refused.value.field == field


def test_due_date_in_the_past_is_refused_today_is_allowed(app_ctx, world) -> None:
    with pytest.raises(ServiceError) as refused:
        _create(world, due_date=today() - timedelta(days=1))
    assert refused.value.field == "due_date"
    assert _create(world, due_date=today()).due_date == today()


@pytest.mark.parametrize(
    "target", [ActionStatus.COMPLETED, ActionStatus.NOT_COMPLETED, ActionStatus.NOT_POSSIBLE]
)
def test_open_action_can_move_to_each_closed_status_with_a_note(app_ctx, world, target) -> None:
    action = _create(world)
    rep = _get(User, world["rep"])
    dated = today() - timedelta(days=2)
    services.update_status(
        action,
        status=target,
        note="  What happened  ",
        dated=dated,
        version=action.version,
        actor=rep,
    )
    assert action.status == target
    assert action.status_note == "What happened"
    assert action.status_changed_at is not None
    (update,) = action.updates
    assert (update.from_status, update.to_status, update.dated, update.by_id) == (
        ActionStatus.OPEN,
        target,
        dated,
        rep.id,
    )
    assert db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "action_status_updated")
    ).one().detail == (f"from=open to={target.value}")


@pytest.mark.parametrize(
    "target",
    [
        ActionStatus.COMPLETED,
        ActionStatus.NOT_COMPLETED,
        ActionStatus.NOT_POSSIBLE,
        ActionStatus.OPEN,
    ],
)
def test_every_status_change_needs_a_note(app_ctx, world, target) -> None:
    action = _create(world)
    if target is ActionStatus.OPEN:
        services.update_status(
            action,
            status="completed",
            note="Done",
            dated=today(),
            version=action.version,
            actor=_get(User, world["rep"]),
        )
    with pytest.raises(ServiceError) as refused:
        services.update_status(
            action,
            status=target,
            note=" ",
            dated=today(),
            version=action.version,
            actor=_get(User, world["coordinator"]),
        )
    assert refused.value.field == "note"


def test_closed_action_cannot_jump_to_another_closed_status(app_ctx, world) -> None:
    action = _create(world)
    rep = _get(User, world["rep"])
    services.update_status(
        action, status="completed", note="Done", dated=today(), version=action.version, actor=rep
    )
    with pytest.raises(ServiceError) as refused:
        services.update_status(
            action,
            status="not_possible",
            note="Moved away",
            dated=today(),
            version=action.version,
            actor=rep,
        )
    assert refused.value.field == "status"
    with pytest.raises(ServiceError):
        services.update_status(
            action,
            status="completed",
            note="Again",
            dated=today(),
            version=action.version,
            actor=rep,
        )
    assert action.status == ActionStatus.COMPLETED
    assert len(action.updates) == 1


def test_only_a_coordinator_can_reopen_and_history_is_kept(app_ctx, world) -> None:
    action = _create(world)
    rep = _get(User, world["rep"])
    services.update_status(
        action,
        status="not_completed",
        note="No capacity",
        dated=today(),
        version=action.version,
        actor=rep,
    )
    with pytest.raises(ServiceError) as refused:
        services.update_status(
            action,
            status="open",
            note="Try again",
            dated=today(),
            version=action.version,
            actor=rep,
        )
    assert "coordinator" in refused.value.message
    services.update_status(
        action,
        status="open",
        note="Agreed to try again",
        dated=today(),
        version=action.version,
        actor=_get(User, world["coordinator"]),
    )
    services.update_status(
        action,
        status="completed",
        note="Done now",
        dated=today(),
        version=action.version,
        actor=rep,
    )
    history = db.session.scalars(
        sa.select(ActionStatusUpdate)
        .where(ActionStatusUpdate.action_id == action.id)
        .order_by(ActionStatusUpdate.id)
    ).all()
    assert [(h.from_status.value, h.to_status.value) for h in history] == [
        ("open", "not_completed"),
        ("not_completed", "open"),
        ("open", "completed"),
    ]
    assert [h.note for h in history] == ["No capacity", "Agreed to try again", "Done now"]


def test_future_date_is_refused_and_the_date_defaults_to_today(app_ctx, world) -> None:
    action = _create(world)
    rep = _get(User, world["rep"])
    with pytest.raises(ServiceError) as refused:
        services.update_status(
            action,
            status="completed",
            note="Done",
            dated=today() + timedelta(days=1),
            version=action.version,
            actor=rep,
        )
    assert refused.value.field == "dated"
    assert action.status == ActionStatus.OPEN
    change = services.update_status(
        action, status="completed", note="Done", version=action.version, actor=rep
    )
    assert change.dated == today()


def test_stale_version_is_a_conflict(app_ctx, world) -> None:
    action = _create(world)
    rep = _get(User, world["rep"])
    stale = action.version
    services.update_status(
        action, status="completed", note="Done", dated=today(), version=stale, actor=rep
    )
    with pytest.raises(ConflictError):
        services.update_status(
            action,
            status="open",
            note="Reopen",
            dated=today(),
            version=stale,
            actor=_get(User, world["coordinator"]),
        )


def test_overdue_means_open_and_due_before_today(app_ctx, world, make_action) -> None:
    case, police = world["case"], world["police"]
    yesterday = make_action(case, police, due=today() - timedelta(days=1))
    make_action(case, police, due=today())
    make_action(case, police, due=today() - timedelta(days=5), status=ActionStatus.COMPLETED)
    coordinator = _get(User, world["coordinator"])
    overdue = services.overdue_actions(coordinator)
    assert [a.id for a in overdue] == [yesterday.id]
    assert services.overdue_count(coordinator) == 1
    assert _get(ActionItem, yesterday).is_overdue(today())
    summary = services.actions_summary(coordinator)
    assert (summary.open, summary.overdue, summary.completed) == (2, 1, 1)


def test_the_home_summary_counts_only_the_last_years_completed_actions(
    app_ctx, world, make_action
) -> None:
    """Issue 17: the home page counted the agency's completed actions over all history, so it
    grew with the years; it counts the last 12 months' (an open action counts however old)."""
    case, police = world["case"], world["police"]
    old = make_action(
        case, police, due=today() - timedelta(days=800), status=ActionStatus.COMPLETED
    )
    make_action(case, police, due=today() - timedelta(days=10), status=ActionStatus.COMPLETED)
    make_action(case, police, due=today() - timedelta(days=700))  # open, long overdue
    long_ago = datetime.now(UTC) - timedelta(days=400)
    db.session.execute(
        sa.update(ActionItem)
        .where(ActionItem.id == old.id)
        .values(status_changed_at=long_ago, created_at=long_ago)
    )
    db.session.flush()
    summary = services.actions_summary(_get(User, world["coordinator"]))
    assert (summary.open, summary.overdue, summary.completed) == (1, 1, 1)


def test_outstanding_actions_are_open_ones_from_earlier_meetings(
    app_ctx, world, make_meeting, make_action
) -> None:
    area, case, police = world["area"], world["case"], world["police"]
    earlier = make_meeting(area, utcnow() - timedelta(days=28))
    now = make_meeting(area, utcnow() + timedelta(hours=1))
    old_open = make_action(case, police, meeting=earlier)
    make_action(case, police, meeting=earlier, status=ActionStatus.COMPLETED)
    make_action(case, police, meeting=now)
    found = services.outstanding_actions(area.id, _get(Meeting, now))
    assert [a.id for a in found] == [old_open.id]
