"""Factories for the referrals tests: an area with its coordinator, chair and an agency rep,
meetings, and referrals made through the real services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import selectinload

from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.referrals import services
from marac_app.referrals.models import Criterion, Referral


@dataclass
class RefWorld:
    area: MaracArea
    agency: Agency
    coordinator: User
    chair: User
    rep: User


@pytest.fixture()
def ref_world(make_area, make_agency, make_user, sign_up) -> RefWorld:
    area = make_area()
    agency = make_agency(areas=[area])
    sign_up(agency)
    return RefWorld(
        area=area,
        agency=agency,
        coordinator=make_user(Role.COORDINATOR, area=area, agency=agency),
        chair=make_user(Role.CHAIR, area=area, agency=agency),
        rep=make_user(Role.AGENCY_REP, agency=agency, area=area),
    )


def details(
    agency_id: int,
    *,
    victim: str = "Test Victim-Alpha",
    dob: date | None = date(1990, 3, 27),
    referred_on: date | None = None,
    yes: int = 14,
    criterion: Criterion = Criterion.VISIBLE_HIGH_RISK,
    **extra: Any,
) -> services.ReferralDetails:
    answers = {str(n): ("yes" if n <= yes else "no") for n in range(1, 25)}
    return services.ReferralDetails(
        referring_agency_id=agency_id,
        referrer_name="Rae Referrer",
        referred_on=referred_on or date(2026, 6, 1),
        criterion=criterion,
        victim=services.PersonDetails(full_name=victim, date_of_birth=dob),
        dash_answers=answers,
        perpetrators=[
            services.PersonDetails(
                full_name="Test Perp-Alpha",
                date_of_birth=date(1985, 1, 2),
                relationship_to_victim="ex-partner",
            )
        ],
        children=[
            services.PersonDetails(full_name="Test Child-Alpha", date_of_birth=date(2018, 5, 6))
        ],
        **extra,
    )


@pytest.fixture()
def make_referral(app: Flask) -> Callable[..., Referral]:
    """Create a referral through ``services.create_referral`` (committed); returns it."""

    def factory(world: RefWorld, **kwargs: Any) -> Referral:
        with app.app_context():
            area = db.session.get(MaracArea, world.area.id)
            referral = services.create_referral(
                area=area, details=details(world.agency.id, **kwargs), actor=None
            )
            db.session.commit()
            referral_id = referral.id
        with app.app_context():
            return db.session.get(
                Referral,
                referral_id,
                options=[selectinload(Referral.case), selectinload(Referral.people)],
            )

    return factory
