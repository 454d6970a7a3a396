"""The SafeLives quarterly data return and the statistics built on it.

``data_return(area, year, quarter)`` gives one row per meeting (never per case) held in the
area in that calendar quarter (Europe/London dates; cancelled meetings and meetings that have
not started yet left out).

Where the numbers come from
    Live cases are read from the live tables (agenda items → the referral heard → the people on
    it). Cases deleted by retention or erasure are read from their anonymous ``case_statistic``
    snapshots (``marac_app.privacy.retention.snapshot_case_statistics``). **The live tables win**:
    a snapshot is counted only when the live agenda item for the same (case id, meeting id) no
    longer exists, so a case is never counted twice, and a snapshot written for a case that is
    still present (e.g. a purge killed midway) is ignored in favour of the current live data.

Blank versus zero (the rule, per count and per meeting)
    Each victim or perpetrator count is ``None`` (blank: *not recorded*) when the field was not
    recorded for ANY case heard at that meeting, and a number (possibly 0) as soon as it was
    recorded for at least one case: the number counts the cases where it was recorded and true.
    When it was recorded for some cases and not others the row lists that field in
    ``partly_recorded`` with how many cases lacked it, so the coordinator can say so in the
    return. "Not known" and "prefers not to say" answers count as not recorded (people.py).
    A meeting with no cases heard gives 0 for every count (nothing was left unrecorded).

Definitions
    - Cases discussed: agenda items of the meeting (a case heard at two meetings counts at both).
    - Repeat cases: the referral heard was a repeat referral.
    - Children in households: children recorded on the referral heard (the referral form has no
      "not recorded" answer for children, so a live case always counts, possibly 0).
    - Referrals by source agency: the referring agency of the referral heard, grouped into
      SafeLives-like columns (``SOURCE_COLUMNS``).
    - Ages (16–17, 65 and over, perpetrator under 18): age on the date of the referral heard,
      from the date of birth (not recorded when the date of birth is missing). Snapshots of purged
      cases carry the age on the meeting date (how the privacy module stored them).
    - The referral heard is the agenda item's referral; for a case brought back for review only,
      the case's latest referral made on or before the meeting date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.time import LONDON
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting, MeetingStatus
from marac_app.privacy.models import CaseStatistic
from marac_app.referrals.models import AgendaItem, Referral
from marac_app.reports.models import AreaPopulation
from marac_app.reports.quarters import Quarter

# SafeLives' recommended volume: 40 cases a year per 10,000 adult women.
RECOMMENDED_PER_10000 = 40

_HEALTH = frozenset(
    {
        AgencyKind.PRIMARY_CARE,
        AgencyKind.ACUTE_TRUST,
        AgencyKind.MENTAL_HEALTH,
        AgencyKind.MIDWIFERY_HEALTH_VISITING,
    }
)
_NAMED = {
    AgencyKind.POLICE,
    AgencyKind.IDVA,
    AgencyKind.CHILDRENS_SOCIAL_CARE,
    AgencyKind.HOUSING,
    AgencyKind.PROBATION,
} | _HEALTH

# (key, column heading, agency kinds counted in it). "Other" takes every remaining kind.
SOURCE_COLUMNS: tuple[tuple[str, str, frozenset[AgencyKind]], ...] = (
    ("police", "Referrals from police", frozenset({AgencyKind.POLICE})),
    ("idva", "Referrals from IDVA", frozenset({AgencyKind.IDVA})),
    (
        "childrens_social_care",
        "Referrals from children's social care",
        frozenset({AgencyKind.CHILDRENS_SOCIAL_CARE}),
    ),
    ("health", "Referrals from health (primary care, acute, mental health, midwifery)", _HEALTH),
    ("housing", "Referrals from housing", frozenset({AgencyKind.HOUSING})),
    ("probation", "Referrals from probation", frozenset({AgencyKind.PROBATION})),
    ("other", "Referrals from other agencies", frozenset(set(AgencyKind) - _NAMED)),
)

# (key, column heading) of the counts that may be blank.
FLAG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("minoritised", "Victims racially minoritised"),
    ("lgbt", "Victims LGBT+"),
    ("disabled", "Victims with a disability"),
    ("male", "Male victims"),
    ("aged_16_17", "Victims aged 16 to 17"),
    ("aged_65_plus", "Victims aged 65 and over"),
    ("perpetrator_under_18", "Perpetrators under 18"),
)

# Every column of the return, in order: (key, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("meeting_date", "Meeting date"),
    ("cases_discussed", "Cases discussed"),
    ("repeat_cases", "Repeat cases"),
    ("children", "Children in households"),
    *((key, heading) for key, heading, _ in SOURCE_COLUMNS),
    *FLAG_COLUMNS,
)


def kind_column(kind: AgencyKind | str | None) -> str | None:
    """The source column a referring agency's kind is counted in (None when unknown)."""
    if kind is None:
        return None
    try:
        kind = AgencyKind(kind)
    except ValueError:
        return "other"
    return next(key for key, _, kinds in SOURCE_COLUMNS if kind in kinds)


# --- The per-case facts and the per-meeting row -----------------------------------------


@dataclass
class CaseFacts:
    """What the return needs about one case heard at one meeting (None = not recorded)."""

    is_repeat: bool
    children: int | None
    source: str | None
    flags: dict[str, bool | None]
    purged: bool = False


@dataclass
class ReturnRow:
    """One meeting's row of the return."""

    meeting_id: int
    meeting_date: date
    cases_discussed: int
    repeat_cases: int
    children: int | None
    referrals: dict[str, int]
    counts: dict[str, int | None]
    # Field key → how many cases lacked it, for fields recorded for some cases only.
    partly_recorded: dict[str, int] = field(default_factory=dict)
    purged_cases: int = 0

    def value(self, key: str) -> Any:
        """The value of column ``key`` (see ``COLUMNS``)."""
        if key in self.referrals:
            return self.referrals[key]
        if key in self.counts:
            return self.counts[key]
        return getattr(self, key)

    @property
    def notes(self) -> str:
        """Plain words for the partly recorded fields, e.g. "Victims LGBT+: not recorded for
        2 of 5 cases"."""
        headings = dict(FLAG_COLUMNS) | {"children": "Children in households"}
        return "; ".join(
            f"{headings[key]}: not recorded for {missing} of {self.cases_discussed} cases"
            for key, missing in self.partly_recorded.items()
        )


def _age_between(age: int | None, low: int, high: int | None) -> bool | None:
    if age is None:
        return None
    return age >= low and (high is None or age <= high)


def _referral_heard(item: AgendaItem, meeting_day: date) -> Referral | None:
    if item.referral is not None:
        return item.referral
    referrals = item.case.referrals
    heard = [r for r in referrals if r.referred_on <= meeting_day]
    if heard:
        return heard[-1]
    return referrals[-1] if referrals else None


def live_facts(item: AgendaItem, meeting_day: date) -> CaseFacts:
    """The facts of a live case heard at a meeting (ages on the referral date)."""
    referral = _referral_heard(item, meeting_day)
    if referral is None:
        return CaseFacts(
            is_repeat=False,
            children=None,
            source=None,
            flags={key: None for key, _ in FLAG_COLUMNS},
        )
    victim = referral.victim
    on = referral.referred_on
    victim_age = victim.age_on(on) if victim is not None else None
    perpetrator_ages = [a for a in (p.age_on(on) for p in referral.perpetrators) if a is not None]
    flags: dict[str, bool | None] = {
        "minoritised": victim.is_racially_minoritised if victim else None,
        "lgbt": victim.is_lgbt if victim else None,
        "disabled": victim.is_disabled if victim else None,
        "male": victim.is_male if victim else None,
        "aged_16_17": _age_between(victim_age, 16, 17),
        "aged_65_plus": _age_between(victim_age, 65, None),
        "perpetrator_under_18": (
            any(a < 18 for a in perpetrator_ages) if perpetrator_ages else None
        ),
    }
    return CaseFacts(
        is_repeat=referral.is_repeat,
        children=len(referral.children),
        source=kind_column(referral.referring_agency.kind),
        flags=flags,
    )


def snapshot_facts(row: CaseStatistic) -> CaseFacts:
    """The facts of a purged case from its anonymous snapshot."""
    return CaseFacts(
        is_repeat=bool(row.is_repeat),
        children=row.children_count,
        source=kind_column(row.referring_agency_kind),
        flags={
            "minoritised": row.victim_racially_minoritised,
            "lgbt": row.victim_lgbt,
            "disabled": row.victim_disabled,
            "male": row.victim_male,
            "aged_16_17": row.victim_aged_16_17,
            "aged_65_plus": row.victim_aged_65_plus,
            "perpetrator_under_18": row.perpetrator_under_18,
        },
        purged=True,
    )


def _count(values: list[bool | int | None]) -> tuple[int | None, int]:
    """(count, how many were not recorded): None when nothing was recorded (and cases exist)."""
    recorded = [v for v in values if v is not None]
    missing = len(values) - len(recorded)
    if values and not recorded:
        return None, missing
    return sum(int(v) for v in recorded), missing


def meeting_row(meeting_id: int, meeting_day: date, facts: list[CaseFacts]) -> ReturnRow:
    """Aggregate one meeting's case facts into its row (the blank-versus-zero rule)."""
    partly: dict[str, int] = {}
    children, missing = _count([f.children for f in facts])
    if children is not None and missing:
        partly["children"] = missing
    counts: dict[str, int | None] = {}
    for key, _ in FLAG_COLUMNS:
        value, missing = _count([f.flags[key] for f in facts])
        counts[key] = value
        if value is not None and missing:
            partly[key] = missing
    referrals = {key: sum(1 for f in facts if f.source == key) for key, _, _ in SOURCE_COLUMNS}
    return ReturnRow(
        meeting_id=meeting_id,
        meeting_date=meeting_day,
        cases_discussed=len(facts),
        repeat_cases=sum(1 for f in facts if f.is_repeat),
        children=children,
        referrals=referrals,
        counts=counts,
        partly_recorded=partly,
        purged_cases=sum(1 for f in facts if f.purged),
    )


def quarter_meetings(area_id: int, quarter: Quarter) -> list[Meeting]:
    """The area's meetings held in ``quarter`` (Europe/London dates): cancelled ones and
    those not started yet (later in the current quarter) are left out."""
    start, end = quarter.utc_bounds()
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.area_id == area_id,
                Meeting.status != MeetingStatus.CANCELLED,
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
                Meeting.starts_at <= utcnow(),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def data_return(area: MaracArea, year: int, quarter: int) -> list[ReturnRow]:
    """One row per meeting of ``area`` held in the quarter, oldest first. Reads only."""
    return quarter_return(area.id, Quarter(year, quarter))


def quarter_return(area_id: int, quarter: Quarter) -> list[ReturnRow]:
    meetings = quarter_meetings(area_id, quarter)
    if not meetings:
        return []
    meeting_ids = [m.id for m in meetings]
    items = list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.meeting_id.in_(meeting_ids))
            .options(
                selectinload(AgendaItem.referral).selectinload(Referral.people),
                selectinload(AgendaItem.referral).selectinload(Referral.referring_agency),
                # Only an item allocated without its referral falls back to the case's
                # referrals (rare): those load on demand instead of for every case.
            )
        )
    )
    live_keys = {(item.case_id, item.meeting_id) for item in items}
    snapshots = [
        row
        for row in db.session.scalars(
            sa.select(CaseStatistic)
            .where(CaseStatistic.meeting_id.in_(meeting_ids))
            .order_by(CaseStatistic.id)
        )
        if (row.case_id, row.meeting_id) not in live_keys
    ]
    days = {m.id: m.starts_at.astimezone(LONDON).date() for m in meetings}
    facts: dict[int, list[CaseFacts]] = {m.id: [] for m in meetings}
    for item in items:
        facts[item.meeting_id].append(live_facts(item, days[item.meeting_id]))
    for snapshot in snapshots:
        facts[snapshot.meeting_id].append(snapshot_facts(snapshot))
    return [meeting_row(m.id, days[m.id], facts[m.id]) for m in meetings]


# --- Totals and statistics ----------------------------------------------------------------


@dataclass
class QuarterSummary:
    quarter: Quarter
    meetings: int
    cases: int
    repeats: int
    referrals: int
    non_police: int
    per_10000_annualised: float | None

    @property
    def repeat_rate(self) -> float | None:
        """Repeat cases as a percentage of cases discussed (None with no cases)."""
        return 100 * self.repeats / self.cases if self.cases else None

    @property
    def non_police_share(self) -> float | None:
        """Referrals from agencies other than the police, as a percentage of all referrals."""
        return 100 * self.non_police / self.referrals if self.referrals else None


def per_10000(cases: int, adult_women: int | None, *, periods_per_year: int = 4) -> float | None:
    """Cases per 10,000 adult women a year: a quarter's cases × 4 ÷ population × 10,000.

    None when the population is not set (or not positive)."""
    if not adult_women or adult_women <= 0:
        return None
    return cases * periods_per_year * 10_000 / adult_women


def summarise(
    quarter: Quarter, rows: Iterable[ReturnRow], adult_women: int | None
) -> QuarterSummary:
    rows = list(rows)
    cases = sum(r.cases_discussed for r in rows)
    referrals = sum(sum(r.referrals.values()) for r in rows)
    police = sum(r.referrals["police"] for r in rows)
    return QuarterSummary(
        quarter=quarter,
        meetings=len(rows),
        cases=cases,
        repeats=sum(r.repeat_cases for r in rows),
        referrals=referrals,
        non_police=referrals - police,
        per_10000_annualised=per_10000(cases, adult_women),
    )


def totals(rows: list[ReturnRow]) -> dict[str, int | None]:
    """Column totals of a return; a blank column (no meeting recorded it) stays blank."""
    result: dict[str, int | None] = {}
    for key, _ in COLUMNS[1:]:
        values = [r.value(key) for r in rows]
        recorded = [v for v in values if v is not None]
        result[key] = sum(recorded) if recorded or not values else None
    return result


def trend(area_id: int, last: Quarter, count: int, adult_women: int | None) -> list[QuarterSummary]:
    """Summaries of the ``count`` quarters ending with ``last``, oldest first.

    Counted in the database — three aggregate queries for the whole span, grouped by
    meeting, nothing per case — so the statistics page costs the same with ten years of cases
    as with one. The counts agree with ``summarise(quarter_return(...))`` (a test holds them
    together): the same referral heard, and purged cases from their snapshots.
    """

    quarters = [last]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous)
    quarters.reverse()
    start, end = quarters[0].utc_bounds()[0], quarters[-1].utc_bounds()[1]
    held_rows = db.session.execute(
        sa.select(Meeting.id, Meeting.starts_at).where(
            Meeting.area_id == area_id,
            Meeting.status != MeetingStatus.CANCELLED,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
            Meeting.starts_at <= utcnow(),
        )
    ).all()
    held = sa.select(Meeting.id).where(Meeting.id.in_([row.id for row in held_rows]))

    # The referral heard: the agenda item's own, else (as _referral_heard) the case's latest
    # referral made by the meeting day, else its latest referral.
    def latest(*conditions: Any) -> Any:
        return (
            sa.select(Referral.id)
            .where(Referral.case_id == AgendaItem.case_id, *conditions)
            .order_by(Referral.referred_on.desc(), Referral.id.desc())
            .limit(1)
            .correlate(AgendaItem, Meeting)
            .scalar_subquery()
        )

    heard = sa.func.coalesce(
        AgendaItem.referral_id,
        latest(Referral.referred_on <= sa.func.date(Meeting.starts_at)),
        latest(),
    )
    police = sa.func.coalesce(
        sa.func.sum(sa.case((Agency.kind == AgencyKind.POLICE, 1), else_=0)), 0
    )
    live = db.session.execute(
        sa.select(
            AgendaItem.meeting_id,
            sa.func.count(AgendaItem.id),
            sa.func.coalesce(sa.func.sum(sa.case((Referral.is_repeat, 1), else_=0)), 0),
            sa.func.count(Referral.id),
            police,
        )
        .select_from(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .outerjoin(Referral, Referral.id == heard)
        .outerjoin(Agency, Agency.id == Referral.referring_agency_id)
        .where(AgendaItem.meeting_id.in_(held))
        .group_by(AgendaItem.meeting_id)
    ).all()
    still_live = sa.exists().where(
        AgendaItem.case_id == CaseStatistic.case_id,
        AgendaItem.meeting_id == CaseStatistic.meeting_id,
    )
    purged = db.session.execute(
        sa.select(
            CaseStatistic.meeting_id,
            sa.func.count(CaseStatistic.id),
            sa.func.coalesce(sa.func.sum(sa.case((CaseStatistic.is_repeat, 1), else_=0)), 0),
            sa.func.count(CaseStatistic.referring_agency_kind),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case(
                        (CaseStatistic.referring_agency_kind == AgencyKind.POLICE.value, 1), else_=0
                    )
                ),
                0,
            ),
        )
        .where(CaseStatistic.meeting_id.in_(held), ~still_live)
        .group_by(CaseStatistic.meeting_id)
    ).all()
    per_meeting: dict[int, list[int]] = {row.id: [0, 0, 0, 0] for row in held_rows}
    for row in [*live, *purged]:
        totals_ = per_meeting[row[0]]
        for i in range(4):
            totals_[i] += int(row[i + 1])
    summaries = []
    for quarter in quarters:
        q_start, q_end = quarter.utc_bounds()
        in_quarter = [per_meeting[row.id] for row in held_rows if q_start <= row.starts_at < q_end]
        cases, repeats, referrals, police_count = (sum(t[i] for t in in_quarter) for i in range(4))
        summaries.append(
            QuarterSummary(
                quarter=quarter,
                meetings=len(in_quarter),
                cases=cases,
                repeats=repeats,
                referrals=referrals,
                non_police=referrals - police_count,
                per_10000_annualised=per_10000(cases, adult_women),
            )
        )
    return summaries


def round_half_up(value: float, places: int = 1) -> float:
    scale = 10**places
    return math.floor(value * scale + 0.5) / scale


# --- Area population ----------------------------------------------------------------------


def population_for(area_id: int) -> AreaPopulation | None:
    return db.session.scalar(sa.select(AreaPopulation).where(AreaPopulation.area_id == area_id))


# The population an area may have, and the refusal the form gives too (reports/forms.py).
POPULATION_MAX = 10_000_000
POPULATION_OUT_OF_RANGE = "Number of adult women must be between 1 and 10,000,000"


def set_population(
    area: MaracArea, *, adult_women: int, as_of: date, version: int | None, actor: Any
) -> AreaPopulation:
    """Set the adult female population of ``area`` (flushes; audited).

    Raises ConflictError when ``version`` is not the saved one (someone saved in between) and
    ServiceError for a number out of range.
    """
    if not 1 <= adult_women <= POPULATION_MAX:
        raise ServiceError(POPULATION_OUT_OF_RANGE, field="adult_women")
    population = population_for(area.id)
    if population is None:
        if version not in (None, 0):
            raise ConflictError("Someone else changed the population since you opened this page")
        population = AreaPopulation(area_id=area.id, adult_women=adult_women, as_of=as_of)
        db.session.add(population)
    else:
        if version != population.version:
            raise ConflictError("Someone else changed the population since you opened this page")
        population.adult_women = adult_women
        population.as_of = as_of
    population.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(
        AuditAction.AREA_POPULATION_SET,
        actor=actor,
        object_type="marac_area",
        object_id=area.id,
        detail=f"fields=adult_women,as_of version={population.version}",
    )
    return population
