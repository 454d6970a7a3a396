"""Recurring series: RRULE presets expanded in Europe/London wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

from marac_app.meetings.recurrence import Recurrence, RepeatKind, describe_rrule, occurrences


def test_every_four_weeks_keeps_ten_oclock_across_both_clock_changes() -> None:
    rule = Recurrence(RepeatKind.WEEKLY, weekday=1, interval_weeks=4, count=12).to_rrule()
    assert rule == "FREQ=WEEKLY;INTERVAL=4;BYDAY=TU;COUNT=12"
    starts = occurrences(rule, date(2026, 1, 6), time(10))
    assert len(starts) == 12
    assert all(
        b - a == timedelta(weeks=4)
        for a, b in zip([s.date() for s in starts], [s.date() for s in starts[1:]], strict=False)
    )
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}
    assert all(s.weekday() == 1 for s in starts)
    # March 2026 (GMT) → April (BST) → November (GMT): UTC moves, local time does not.
    by_day = {s.date(): s for s in starts}
    assert by_day[date(2026, 3, 3)].astimezone(UTC).hour == 10
    assert by_day[date(2026, 3, 31)].astimezone(UTC).hour == 9
    assert by_day[date(2026, 10, 13)].astimezone(UTC).hour == 9
    assert by_day[date(2026, 11, 10)].astimezone(UTC).hour == 10


def test_monthly_on_the_second_tuesday() -> None:
    rule = Recurrence(RepeatKind.MONTHLY, weekday=1, nth=2, until=date(2026, 12, 31)).to_rrule()
    starts = occurrences(rule, date(2026, 1, 1), time(10))
    assert [s.date() for s in starts] == [
        date(2026, 1, 13),
        date(2026, 2, 10),
        date(2026, 3, 10),
        date(2026, 4, 14),
        date(2026, 5, 12),
        date(2026, 6, 9),
        date(2026, 7, 14),
        date(2026, 8, 11),
        date(2026, 9, 8),
        date(2026, 10, 13),
        date(2026, 11, 10),
        date(2026, 12, 8),
    ]
    assert {s.strftime("%H:%M") for s in starts} == {"10:00"}
    assert describe_rrule(rule) == "Monthly on the second Tuesday, until 31 December 2026"


def test_last_weekday_and_limit() -> None:
    rule = Recurrence(RepeatKind.MONTHLY, weekday=4, nth=-1, count=100).to_rrule()
    starts = occurrences(rule, date(2026, 1, 1), time(9, 30))
    assert len(starts) == 52  # a series is capped
    assert starts[0].date() == date(2026, 1, 30)
