"""Working days in England and Wales: Monday to Friday, except bank holidays.

Used for the referral cut-off and case-list circulation dates shown on each meeting.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """True for a weekday that is not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_before(day: date, n: int) -> date:
    """The date ``n`` working days before ``day`` (``day`` itself is not counted).

    ``n`` of 0 returns ``day`` unchanged. Raises ValueError for a negative ``n``.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    counted = 0
    while counted < n:
        current -= timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current
