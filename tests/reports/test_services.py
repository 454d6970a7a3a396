"""The data return on a hand-built quarter: every number, blank versus 0, and the purged
cases counted from their anonymous snapshots without double counting."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from marac_app.agencies.models import AgencyKind, MaracArea
from marac_app.extensions import db
from marac_app.reports import services
from marac_app.reports.services import Quarter
from marac_app.template_helpers import LONDON

EXPECTED_M1 = {
    "meeting_date": date(2026, 1, 15),
    "cases_discussed": 3,
    "repeat_cases": 1,
    "children": 3,
    "police": 1,
    "idva": 1,
    "childrens_social_care": 0,
    "health": 1,
    "housing": 0,
    "probation": 0,
    "other": 0,
    "minoritised": 0,
    "lgbt": 1,
    "disabled": 1,
    "male": 1,
    "aged_16_17": 1,
    "aged_65_plus": 1,
    "perpetrator_under_18": 1,
}
EXPECTED_M2 = {
    "meeting_date": date(2026, 3, 20),
    "cases_discussed": 2,
    "repeat_cases": 0,
    "children": 0,
    "police": 0,
    "idva": 0,
    "childrens_social_care": 0,
    "health": 1,
    "housing": 1,
    "probation": 0,
    "other": 0,
    "minoritised": None,
    "lgbt": 0,
    "disabled": 0,
    "male": 0,
    "aged_16_17": 0,
    "aged_65_plus": 0,
    "perpetrator_under_18": 0,
}


def values(row: services.ReturnRow) -> dict[str, object]:
    return {key: row.value(key) for key, _ in services.COLUMNS}


def the_return(
    app: Flask, area: MaracArea, year: int = 2026, quarter: int = 1
) -> list[services.ReturnRow]:
    with app.app_context():
        return services.data_return(db.session.get(MaracArea, area.id), year, quarter)


def test_one_row_per_meeting_with_every_number(app, quarter_world) -> None:
    rows = the_return(app, quarter_world.area)
    assert [r.meeting_id for r in rows] == [
        quarter_world.meetings["m1"].id,
        quarter_world.meetings["m2"].id,
    ]
    assert values(rows[0]) == EXPECTED_M1
    assert values(rows[1]) == EXPECTED_M2


def test_blank_when_never_recorded_zero_when_recorded_and_none(app, quarter_world) -> None:
    m1, m2 = the_return(app, quarter_world.area)
    assert m1.counts["minoritised"] == 0  # recorded for every case, none minoritised
    assert m2.counts["minoritised"] is None  # never recorded ("not known" is not an answer)


def test_partly_recorded_fields_are_counted_and_noted(app, quarter_world) -> None:
    m1, m2 = the_return(app, quarter_world.area)
    assert m1.partly_recorded == {
        "lgbt": 1,
        "disabled": 1,
        "aged_16_17": 1,
        "aged_65_plus": 1,
        "perpetrator_under_18": 1,
    }
    assert "Victims LGBT+: not recorded for 1 of 3 cases" in m1.notes
    assert "male" not in m1.partly_recorded  # gender recorded for all three
    assert "minoritised" not in m2.partly_recorded  # blank, not partly recorded


def test_cancelled_next_quarter_and_other_area_meetings_left_out(app, quarter_world) -> None:
    ids = {r.meeting_id for r in the_return(app, quarter_world.area)}
    for name in ("cancelled", "next_quarter", "elsewhere"):
        assert quarter_world.meetings[name].id not in ids
    # 1 April 00:30 London is 31 March 23:30 UTC: it belongs to April to June.
    q2 = the_return(app, quarter_world.area, 2026, 2)
    assert [r.meeting_id for r in q2] == [quarter_world.meetings["next_quarter"].id]
    assert q2[0].counts["minoritised"] == 1


def test_totals_keep_blank_columns_blank(app, quarter_world) -> None:
    rows = the_return(app, quarter_world.area)
    totals = services.totals(rows)
    assert totals["cases_discussed"] == 5
    assert totals["minoritised"] == 0
    assert totals["health"] == 2
    only_m2 = services.totals(rows[1:])
    assert only_m2["minoritised"] is None


def test_meetings_not_started_yet_are_left_out(app, report_world, add_meeting, add_case) -> None:
    from datetime import timedelta

    from marac_app.db import utcnow

    soon = utcnow() + timedelta(hours=2)
    meeting = add_meeting(report_world.area, soon)
    add_case(meeting, report_world.agencies[AgencyKind.POLICE], referred_on=soon.date())
    quarter = Quarter.containing(soon.astimezone(LONDON).date())
    rows = the_return(app, report_world.area, quarter.year, quarter.number)
    assert meeting.id not in {r.meeting_id for r in rows}


def test_meeting_without_cases_counts_zero(app, report_world, add_meeting) -> None:
    from tests.reports.conftest import london

    add_meeting(report_world.area, london(2025, 11, 4))
    [row] = the_return(app, report_world.area, 2025, 4)
    assert row.cases_discussed == 0
    assert row.counts["minoritised"] == 0


def test_age_is_taken_on_the_referral_date(app, report_world, add_meeting, add_case) -> None:
    from tests.reports.conftest import london

    meeting = add_meeting(report_world.area, london(2026, 7, 20))
    # 17 on the referral date, 18 by the meeting: counted as aged 16 to 17.
    add_case(
        meeting,
        report_world.agencies[AgencyKind.POLICE],
        referred_on=date(2026, 7, 1),
        dob=date(2008, 7, 10),
    )
    [row] = the_return(app, report_world.area, 2026, 3)
    assert row.counts["aged_16_17"] == 1
    assert row.counts["aged_65_plus"] == 0


def test_source_columns_group_agency_kinds() -> None:
    assert services.kind_column(AgencyKind.MIDWIFERY_HEALTH_VISITING) == "health"
    assert services.kind_column(AgencyKind.ACUTE_TRUST) == "health"
    assert services.kind_column(AgencyKind.EDUCATION) == "other"
    assert services.kind_column(AgencyKind.SPECIALIST_SERVICE) == "other"
    assert services.kind_column("no-such-kind") == "other"
    assert services.kind_column(None) is None
    every = [k for _, _, kinds in services.SOURCE_COLUMNS for k in kinds]
    assert sorted(every) == sorted(AgencyKind)  # each kind in exactly one column


def test_per_10000_is_annualised_from_a_quarter() -> None:
    assert services.per_10000(5, 10_000) == 20.0
    assert services.per_10000(30, 30_000) == 40.0  # exactly the recommended level
    assert services.per_10000(5, None) is None
    assert services.per_10000(5, 0) is None


def test_quarter_parsing_and_bounds() -> None:
    q = Quarter.parse("2026-q1")
    assert q == Quarter(2026, 1) and q.key == "2026-Q1" and q.label == "January to March 2026"
    assert q.previous == Quarter(2025, 4) and q.previous.next == q
    for bad in ("", "2026", "2026-Q5", "2026-Q0", "abcd-Q1", "<script>", "2026-Q1x"):
        with pytest.raises(ValueError):
            Quarter.parse(bad)
    start, end = Quarter(2026, 2).utc_bounds()
    assert start.utcoffset().total_seconds() == 3600  # BST on 1 April


def test_purged_case_counted_from_its_snapshot(app, quarter_world) -> None:
    from marac_app.privacy.retention import purge_case

    with app.app_context():
        purge_case(quarter_world.cases["B"].id)  # the repeat, male, LGBT+ victim of 15 Jan
        db.session.commit()
    m1, _ = the_return(app, quarter_world.area)
    assert values(m1) == EXPECTED_M1  # still counted, from the anonymous snapshot
    assert m1.purged_cases == 1


def test_snapshot_of_a_live_case_is_not_counted_twice(app, quarter_world) -> None:
    from marac_app.privacy.retention import snapshot_case_statistics
    from marac_app.referrals.models import Case

    with app.app_context():
        snapshot_case_statistics(db.session.get(Case, quarter_world.cases["A"].id))
        db.session.commit()
    m1, _ = the_return(app, quarter_world.area)
    assert values(m1) == EXPECTED_M1  # the live case wins; its snapshot is ignored
    assert m1.purged_cases == 0


def _summary_fields(summary: services.QuarterSummary) -> tuple:
    return (
        summary.meetings,
        summary.cases,
        summary.repeats,
        summary.referrals,
        summary.non_police,
        summary.per_10000_annualised,
    )


@pytest.mark.parametrize("purge", [False, True])
def test_trend_counted_in_sql_agrees_with_the_full_return(app, quarter_world, purge) -> None:
    """The statistics trend is aggregated in the database (fast on ten years of data); it must
    give the same headline numbers as summarising the full per-meeting return."""
    from marac_app.privacy.retention import purge_case

    with app.app_context():
        if purge:
            purge_case(quarter_world.cases["B"].id)
            db.session.commit()
        q1 = Quarter(2026, 1)
        fast = services.trend(quarter_world.area.id, Quarter(2026, 2), 3, 52_000)
        full = [
            services.summarise(q, services.quarter_return(quarter_world.area.id, q), 52_000)
            for q in (q1.previous, q1, q1.next)
        ]
    assert [_summary_fields(s) for s in fast] == [_summary_fields(s) for s in full]
    assert fast[1].cases == 5 and fast[1].meetings == 2
