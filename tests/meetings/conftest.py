"""Factories for the meetings tests: an area with a coordinator, a chair and representatives
of a signed-up and an unsigned agency, plus meetings made through the real services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from flask import Flask

from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import Role, User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings import services
from marac_app.meetings.models import Meeting
from marac_app.meetings.recurrence import LONDON


@dataclass
class World:
    area: MaracArea
    signed: Agency
    unsigned: Agency
    coordinator: User
    chair: User
    rep: User
    other_rep: User  # same signed agency, not invited
    unsigned_rep: User


@pytest.fixture()
def world(make_area, make_agency, make_user, sign_up) -> World:
    area = make_area()
    signed = make_agency(name="Signed Police (test)", areas=[area])
    unsigned = make_agency(name="Unsigned Health Trust (test)", areas=[area])
    sign_up(signed)
    return World(
        area=area,
        signed=signed,
        unsigned=unsigned,
        coordinator=make_user(Role.COORDINATOR, agency=signed, area=area),
        chair=make_user(Role.CHAIR, agency=signed, area=area, name="Chris Chair"),
        rep=make_user(Role.AGENCY_REP, agency=signed, name="Rita Rep"),
        other_rep=make_user(Role.AGENCY_REP, agency=signed, name="Otto Other"),
        unsigned_rep=make_user(Role.AGENCY_REP, agency=unsigned, name="Una Unsigned"),
    )


def future_day(days: int = 14) -> date:
    return utcnow().astimezone(LONDON).date() + timedelta(days=days)


@pytest.fixture()
def make_meeting(app: Flask, world: World) -> Callable[..., Meeting]:
    """A meeting of the world's area made by the service, committed; optional invitees."""

    def factory(
        *,
        day: date | None = None,
        invite: list[User] | None = None,
        venue: str = "Town Hall, Room 1",
    ) -> Meeting:
        with app.app_context():
            coordinator = db.session.get(User, world.coordinator.id)
            area = db.session.get(MaracArea, world.area.id)
            meeting = services.create_meeting(
                area,
                services.MeetingDetails(
                    day=day or future_day(),
                    start=time(10),
                    end=time(13),
                    venue=venue,
                    online_link=None,
                    chair_id=world.chair.id,
                ),
                actor=coordinator,
            )
            if invite:
                services.invite(meeting, [u.id for u in invite], actor=coordinator)
            db.session.commit()
            db.session.refresh(meeting)
            return meeting

    return factory


def local(dt: datetime) -> datetime:
    return dt.astimezone(LONDON)
