"""Demo referrals for development and the browser tests (fictional; never used in production).

Four Cambridge cases, one of them a confirmed repeat, on the case list of the first Cambridge
demo meeting. Idempotent: does nothing when Cambridge already has cases.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.referrals import services
from marac_app.referrals.models import Case, Criterion
from marac_app.referrals.people import Disability, Ethnicity, Gender, Sexuality

POLICE = "Fenshire Constabulary (demo)"
IDVA = "Fenshire IDVA Service (demo)"


def _details(
    agency: Agency,
    number: str,
    referred_on: date,
    *,
    yes: int,
    criterion: Criterion,
    reasons: str | None = None,
    dob: date,
    children: int = 1,
) -> services.ReferralDetails:
    return services.ReferralDetails(
        referring_agency_id=agency.id,
        referrer_name=f"Demo Referrer-{number}",
        referrer_role="Domestic abuse officer",
        referred_on=referred_on,
        criterion=criterion,
        reasons=reasons,
        dash_answers={str(n): "yes" if n <= yes else "no" for n in range(1, 25)},
        victim=services.PersonDetails(
            full_name=f"Demo Victim-{number}",
            date_of_birth=dob,
            gender=Gender.FEMALE,
            address=f"{number} Demo Street, Cambridge (fictional)",
            safe_phone="07700 900000",
            safe_to_call=True,
            safe_to_text=False,
            safe_to_email=None,
            ethnicity=Ethnicity.WHITE_BRITISH,
            sexuality=Sexuality.PREFER_NOT_TO_SAY,
            disability=Disability.NO,
            language="English",
            interpreter_needed=False,
        ),
        perpetrators=[
            services.PersonDetails(
                full_name=f"Demo Perpetrator-{number}",
                date_of_birth=dob - timedelta(days=900),
                relationship_to_victim="Ex-partner",
                gender=Gender.MALE,
            )
        ],
        children=[
            services.PersonDetails(
                full_name=f"Demo Child-{number}-{c}",
                date_of_birth=date(2018 + c, 4, 1),
                relationship_to_victim="Daughter",
                lives_in_household=True,
            )
            for c in range(1, children + 1)
        ],
    )


def seed_referrals_demo() -> int:
    area = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == "CAM"))
    if area is None or db.session.scalar(
        sa.select(sa.func.count(Case.id)).where(Case.area_id == area.id)
    ):
        return 0
    police = db.session.scalar(sa.select(Agency).where(Agency.name == POLICE))
    idva = db.session.scalar(sa.select(Agency).where(Agency.name == IDVA))
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@demo.example"))
    if police is None or idva is None:
        return 0
    today = utcnow().date()
    plans = [
        (
            police,
            "One",
            today - timedelta(days=240),
            16,
            Criterion.VISIBLE_HIGH_RISK,
            None,
            date(1991, 5, 14),
        ),
        (
            idva,
            "Two",
            today - timedelta(days=10),
            9,
            Criterion.PROFESSIONAL_JUDGEMENT,
            "Recent attempted strangulation and threats to kill (demo text).",
            date(1987, 11, 2),
        ),
        (
            police,
            "Three",
            today - timedelta(days=7),
            15,
            Criterion.VISIBLE_HIGH_RISK,
            None,
            date(1999, 2, 20),
        ),
        (
            idva,
            "Four",
            today - timedelta(days=5),
            14,
            Criterion.VISIBLE_HIGH_RISK,
            None,
            date(1978, 8, 30),
        ),
    ]
    referrals = []
    for agency, number, referred_on, yes, criterion, reasons, dob in plans:
        referrals.append(
            services.create_referral(
                area=area,
                actor=coordinator,
                details=_details(
                    agency,
                    number,
                    referred_on,
                    yes=yes,
                    criterion=criterion,
                    reasons=reasons,
                    dob=dob,
                ),
            )
        )
    # Victim One is referred again this week: a repeat (within 365 days), confirmed.
    repeat = services.create_referral(
        area=area,
        actor=coordinator,
        details=_details(
            police,
            "One",
            today - timedelta(days=3),
            yes=17,
            criterion=Criterion.VISIBLE_HIGH_RISK,
            dob=date(1991, 5, 14),
            children=2,
        ),
    )
    if repeat.case is None:
        services.decide_repeat(repeat, confirm=True, actor=coordinator)
    meeting = db.session.scalar(
        sa.select(Meeting).where(Meeting.area_id == area.id).order_by(Meeting.starts_at).limit(1)
    )
    if meeting is not None:
        for referral in [repeat, *referrals[1:]]:
            services.allocate_to_meeting(referral, meeting, coordinator)
    db.session.flush()
    return len(referrals) + 1
