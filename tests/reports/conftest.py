"""Factories for the reports tests: an area with its people and agencies of each kind, and a
hand-built quarter (January to March 2026) of meetings and cases with chosen demographics."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask

from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.referrals.models import AgendaItem, Case, Criterion, Referral
from marac_app.referrals.people import (
    Disability,
    Ethnicity,
    Gender,
    Person,
    PersonRole,
    Sexuality,
    normalise_name,
)
from marac_app.template_helpers import LONDON

_numbers = itertools.count(1)


@dataclass
class ReportWorld:
    area: MaracArea
    other_area: MaracArea
    agencies: dict[AgencyKind, Agency]
    coordinator: User
    chair: User
    rep: User
    dpo: User
    admin: User
    other_coordinator: User
    meetings: dict[str, Meeting] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)


@pytest.fixture()
def report_world(make_area, make_agency, make_user) -> ReportWorld:
    area = make_area()
    other = make_area()
    agencies = {
        kind: make_agency(kind=kind, areas=[area])
        for kind in (
            AgencyKind.POLICE,
            AgencyKind.IDVA,
            AgencyKind.PRIMARY_CARE,
            AgencyKind.MENTAL_HEALTH,
            AgencyKind.HOUSING,
            AgencyKind.EDUCATION,
        )
    }
    police = agencies[AgencyKind.POLICE]
    return ReportWorld(
        area=area,
        other_area=other,
        agencies=agencies,
        coordinator=make_user(Role.COORDINATOR, area=area, agency=police),
        chair=make_user(Role.CHAIR, area=area, agency=police),
        rep=make_user(Role.AGENCY_REP, agency=police, area=area),
        dpo=make_user(Role.DPO),
        admin=make_user(Role.ADMIN),
        other_coordinator=make_user(Role.COORDINATOR, area=other),
    )


def london(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture()
def add_meeting(app: Flask) -> Callable[..., Meeting]:
    def factory(area: MaracArea, starts: datetime, *, cancelled: bool = False) -> Meeting:
        with app.app_context():
            meeting = Meeting(
                area_id=area.id,
                starts_at=starts,
                ends_at=starts,
                status=MeetingStatus.CANCELLED if cancelled else MeetingStatus.SCHEDULED,
            )
            db.session.add(meeting)
            db.session.commit()
            db.session.refresh(meeting)
            return meeting

    return factory


def _person(role: PersonRole, position: int = 0, **values: Any) -> Person:
    name = f"Test {role.value} {next(_numbers)}"
    return Person(
        role=role, position=position, full_name=name, normalised_name=normalise_name(name), **values
    )


@pytest.fixture()
def add_case(app: Flask) -> Callable[..., Case]:
    """A case heard at ``meeting``: one referral by ``agency`` with the victim's answers
    (``gender``, ``sexuality``, ``ethnicity``, ``disability``, ``dob``; None = not recorded),
    perpetrators' dates of birth and a number of children."""

    def factory(
        meeting: Meeting,
        agency: Agency,
        *,
        referred_on: date,
        gender: Gender | None = None,
        sexuality: Sexuality | None = None,
        ethnicity: Ethnicity | None = None,
        disability: Disability | None = None,
        dob: date | None = None,
        perpetrator_dobs: tuple[date | None, ...] = (),
        children: int = 0,
        repeat: bool = False,
        review_only: bool = False,
    ) -> Case:
        with app.app_context():
            area = db.session.get(MaracArea, meeting.area_id)
            case = Case(area_id=area.id, reference=f"{area.code}-T-{next(_numbers)}")
            db.session.add(case)
            db.session.flush()
            referral = Referral(
                area_id=area.id,
                case_id=case.id,
                referring_agency_id=agency.id,
                referrer_name="Rae Referrer",
                referred_on=referred_on,
                criterion=Criterion.REPEAT if repeat else Criterion.PROFESSIONAL_JUDGEMENT,
                reasons="Test reasons",
                is_repeat=repeat,
            )
            referral.people = [
                _person(
                    PersonRole.VICTIM,
                    gender=gender,
                    sexuality=sexuality,
                    ethnicity=ethnicity,
                    disability=disability,
                    date_of_birth=dob,
                ),
                *(
                    _person(PersonRole.PERPETRATOR, n, date_of_birth=d)
                    for n, d in enumerate(perpetrator_dobs)
                ),
                *(_person(PersonRole.CHILD, n) for n in range(children)),
            ]
            db.session.add(referral)
            db.session.flush()
            db.session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    case_id=case.id,
                    referral_id=None if review_only else referral.id,
                )
            )
            db.session.commit()
            db.session.refresh(case)
            return case

    return factory


@pytest.fixture()
def quarter_world(report_world: ReportWorld, add_meeting, add_case) -> ReportWorld:
    """January to March 2026 in the test area.

    - 15 January: three cases, ethnicity recorded for all and none minoritised (→ 0);
      A police, 17-year-old female victim with a 17-year-old perpetrator and 2 children;
      B IDVA, repeat, male gay disabled victim aged 76, 1 child;
      C GP, female White other victim, sexuality, disability and date of birth not recorded.
    - 20 March: two cases, ethnicity never recorded (→ blank);
      D housing, nothing recorded about the victim, no perpetrator;
      E mental health, brought back for review (no referral on the agenda item), ethnicity
      "not known", female heterosexual, not disabled, aged 35, perpetrator aged 40.
    - 10 February (cancelled) and 1 April 00:30 London (= 31 March 23:30 UTC, next quarter):
      one police case each, left out. A meeting of another area in February: left out.
    """
    w = report_world
    ag = w.agencies
    m1 = add_meeting(w.area, london(2026, 1, 15))
    m2 = add_meeting(w.area, london(2026, 3, 20))
    cancelled = add_meeting(w.area, london(2026, 2, 10), cancelled=True)
    next_quarter = add_meeting(w.area, london(2026, 4, 1, 0, 30))
    elsewhere = add_meeting(w.other_area, london(2026, 2, 12))
    w.meetings.update(
        m1=m1, m2=m2, cancelled=cancelled, next_quarter=next_quarter, elsewhere=elsewhere
    )
    w.cases["A"] = add_case(
        m1,
        ag[AgencyKind.POLICE],
        referred_on=date(2026, 1, 5),
        gender=Gender.FEMALE,
        sexuality=Sexuality.HETEROSEXUAL,
        ethnicity=Ethnicity.WHITE_BRITISH,
        disability=Disability.NO,
        dob=date(2008, 6, 1),
        perpetrator_dobs=(date(2008, 9, 1),),
        children=2,
    )
    w.cases["B"] = add_case(
        m1,
        ag[AgencyKind.IDVA],
        referred_on=date(2026, 1, 6),
        gender=Gender.MALE,
        sexuality=Sexuality.GAY_OR_LESBIAN,
        ethnicity=Ethnicity.WHITE_IRISH,
        disability=Disability.YES,
        dob=date(1950, 1, 1),
        perpetrator_dobs=(date(1980, 1, 1),),
        children=1,
        repeat=True,
    )
    w.cases["C"] = add_case(
        m1,
        ag[AgencyKind.PRIMARY_CARE],
        referred_on=date(2026, 1, 7),
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.WHITE_OTHER,
        perpetrator_dobs=(None,),
    )
    w.cases["D"] = add_case(m2, ag[AgencyKind.HOUSING], referred_on=date(2026, 3, 2))
    w.cases["E"] = add_case(
        m2,
        ag[AgencyKind.MENTAL_HEALTH],
        referred_on=date(2026, 3, 3),
        gender=Gender.FEMALE,
        sexuality=Sexuality.HETEROSEXUAL,
        ethnicity=Ethnicity.NOT_KNOWN,
        disability=Disability.NO,
        dob=date(1990, 6, 1),
        perpetrator_dobs=(date(1985, 6, 1),),
        review_only=True,
    )
    w.cases["F"] = add_case(
        cancelled, ag[AgencyKind.POLICE], referred_on=date(2026, 2, 1), ethnicity=Ethnicity.ASIAN
    )
    w.cases["G"] = add_case(
        next_quarter,
        ag[AgencyKind.POLICE],
        referred_on=date(2026, 3, 25),
        ethnicity=Ethnicity.BLACK,
    )
    w.cases["X"] = add_case(elsewhere, ag[AgencyKind.POLICE], referred_on=date(2026, 2, 2))
    return w
