"""Referral cut-off and case-list dates skip weekends and England and Wales bank holidays."""

from __future__ import annotations

from datetime import date

import pytest

from marac_app.meetings.working_days import is_working_day, working_days_before


def test_christmas_and_boxing_day_are_skipped() -> None:
    # Tuesday 29 December 2026: Mon 28 (Boxing Day substitute), Fri 25 (Christmas) and the
    # weekend are not working days.
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))
    assert working_days_before(date(2026, 12, 29), 1) == date(2026, 12, 24)
    assert working_days_before(date(2026, 12, 29), 2) == date(2026, 12, 23)


def test_easter_is_skipped() -> None:
    # Tuesday 7 April 2026: Easter Monday 6 April and Good Friday 3 April are bank holidays.
    assert working_days_before(date(2026, 4, 7), 1) == date(2026, 4, 2)
    assert working_days_before(date(2026, 4, 7), 5) == date(2026, 3, 27)


def test_plain_weeks_and_weekends() -> None:
    # Thursday 15 October 2026, no holidays nearby: 8 working days back is Monday 5 October.
    assert working_days_before(date(2026, 10, 15), 8) == date(2026, 10, 5)
    assert working_days_before(date(2026, 10, 19), 1) == date(2026, 10, 16)  # Mon → Fri
    assert working_days_before(date(2026, 10, 15), 0) == date(2026, 10, 15)


def test_negative_offset_is_refused() -> None:
    with pytest.raises(ValueError):
        working_days_before(date(2026, 10, 15), -1)
