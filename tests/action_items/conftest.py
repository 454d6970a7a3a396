"""Factories for action tests: signed-up agencies, cases, meetings and actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask

from marac_app.action_items.models import ActionItem, ActionPriority, ActionStatus
from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today as today
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.referrals.models import Case

_count = {"n": 0}


def _n() -> int:
    _count["n"] += 1
    return _count["n"]


@pytest.fixture()
def signed_agency(make_agency, sign_up) -> Callable[..., Agency]:
    def factory(
        area: MaracArea, kind: AgencyKind = AgencyKind.POLICE, name: str | None = None
    ) -> Agency:
        agency = make_agency(name=name, kind=kind, areas=[area])
        sign_up(agency)
        return agency

    return factory


@pytest.fixture()
def invited_rep(app: Flask, make_user, make_meeting, make_agenda_item) -> Callable[..., User]:
    """A representative of ``agency`` invited to a meeting with ``cases`` on its agenda: a
    representative sees the actions of the cases on their meetings only."""

    def factory(agency: Agency, cases: list[Case], **user_options: object) -> User:
        rep = make_user(Role.AGENCY_REP, agency=agency, **user_options)
        with app.app_context():
            area = db.session.get(MaracArea, cases[0].area_id)
        meeting = make_meeting(area)
        for case in cases:
            make_agenda_item(meeting, case)
        with app.app_context():
            db.session.add(Invitation(meeting_id=meeting.id, user_id=rep.id, agency_id=agency.id))
            db.session.commit()
        return rep

    return factory


@pytest.fixture()
def make_action(app: Flask) -> Callable[..., ActionItem]:
    """An action row written directly (due dates in the past allowed, for overdue tests)."""

    def factory(
        case: Case,
        agency: Agency,
        *,
        due: date | None = None,
        status: ActionStatus = ActionStatus.OPEN,
        meeting: Meeting | None = None,
        description: str = "Check the tenancy and fit a door lock",
    ) -> ActionItem:
        with app.app_context():
            action = ActionItem(
                case_id=case.id,
                owner_agency_id=agency.id,
                description=description,
                due_date=due or today() + timedelta(days=14),
                priority=ActionPriority.HIGH,
                status=status,
                meeting_id=meeting.id if meeting else None,
            )
            db.session.add(action)
            db.session.commit()
            db.session.refresh(action)
            return action

    return factory


@pytest.fixture()
def name_contact(app: Flask) -> Callable[..., None]:
    """Name ``user`` a point of contact of their agency in ``area`` (written directly)."""
    from marac_app.action_items.chasing_models import PointOfContact

    def factory(user: User, area: MaracArea) -> None:
        with app.app_context():
            db.session.add(
                PointOfContact(agency_id=user.agency_id, area_id=area.id, user_id=user.id)
            )
            db.session.commit()

    return factory
