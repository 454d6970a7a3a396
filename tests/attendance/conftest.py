"""Factories for meetings to open: a signed-up and an unsigned agency, a chair, a
coordinator, invited representatives and a confidentiality statement."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.models import Meeting


@dataclass
class World:
    area: MaracArea
    other_area: MaracArea
    police: Agency
    health: Agency  # not signed up
    chair: User
    coordinator: User
    other_chair: User
    rep: User
    rep2: User
    unsigned_rep: User
    uninvited_rep: User
    meeting: Meeting


@pytest.fixture()
def world(make_area, make_agency, make_user, make_meeting, sign_up, statement) -> World:
    area = make_area()
    other_area = make_area()
    police = make_agency(areas=[area, other_area])
    housing = make_agency(areas=[area])
    health = make_agency(areas=[area])
    sign_up(police)
    sign_up(housing)
    chair = make_user(Role.CHAIR, agency=police, area=area, name="Charlie Chair")
    coordinator = make_user(Role.COORDINATOR, agency=police, area=area)
    other_chair = make_user(Role.CHAIR, agency=police, area=other_area)
    rep = make_user(Role.AGENCY_REP, agency=police, name="Priya Police")
    rep2 = make_user(Role.AGENCY_REP, agency=housing, name="Hana Housing")
    unsigned_rep = make_user(Role.AGENCY_REP, agency=health, name="Hugo Health")
    uninvited_rep = make_user(Role.AGENCY_REP, agency=police)
    meeting = make_meeting(area, invite=[rep, rep2, unsigned_rep], chair=chair)
    return World(
        area,
        other_area,
        police,
        health,
        chair,
        coordinator,
        other_chair,
        rep,
        rep2,
        unsigned_rep,
        uninvited_rep,
        meeting,
    )


def audit_actions(app: Flask, action: str) -> list:
    from marac_app.audit import AuditEvent

    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))
