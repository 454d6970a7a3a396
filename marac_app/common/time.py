"""The one clock of the product's calendar: MARACs meet, and dates are due, in Europe/London.

Stored times are UTC (``marac_app.db.utcnow``); every *calendar* question — what is today,
is this action overdue, which meetings are today, which year does a reference belong to —
is asked in London, never in the server's own zone (a server in UTC would call a 00:30 BST
referral "yesterday").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from marac_app.db import utcnow

LONDON = ZoneInfo("Europe/London")


def london_now() -> datetime:
    """The current time, aware, in Europe/London."""
    return utcnow().astimezone(LONDON)


def london_today() -> date:
    """Today's date in Europe/London."""
    return london_now().date()


def format_long_date(value: date) -> str:
    """``3 March 2026`` (no leading zero): the GOV.UK date style for people, in every page,
    PDF and export meant to be read rather than parsed."""
    return f"{value.day} {value:%B %Y}"


def london_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of ``day`` in Europe/London as aware datetimes (23 or 25 hours long on
    the days the clocks change)."""
    start = datetime.combine(day, time(0, 0), tzinfo=LONDON)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=LONDON)
    return start, end
