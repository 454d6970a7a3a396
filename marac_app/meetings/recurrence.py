"""Recurring series: presets → RRULE text → occurrences in Europe/London wall-clock time.

Occurrences are expanded from a *naive* local start time and only then given the
Europe/London zone, so a 10:00 meeting stays at 10:00 across the March and October clock
changes (its UTC time moves instead).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil import rrule

# Re-exported (``as``) for tests/meetings/conftest.py until it imports common.time.
from marac_app.common.time import LONDON as LONDON

# A series is a schedule for the coming months, not for ever.
MAX_OCCURRENCES = 52

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


class RepeatKind(enum.StrEnum):
    NONE = "none"
    WEEKLY = "weekly"  # every N weeks on <weekday>
    MONTHLY = "monthly"  # monthly on the <nth> <weekday>


@dataclass(frozen=True)
class Recurrence:
    """A preset as the coordinator chose it. Exactly one of ``count`` and ``until``."""

    kind: RepeatKind
    weekday: int  # 0 = Monday
    interval_weeks: int = 1
    nth: int = 1  # 1..4 or -1 (last)
    count: int | None = None
    until: date | None = None

    def to_rrule(self) -> str:
        """The RRULE value (without the ``RRULE:`` prefix), e.g. ``FREQ=WEEKLY;INTERVAL=4;…``."""
        day = WEEKDAY_CODES[self.weekday]
        if self.kind is RepeatKind.WEEKLY:
            parts = ["FREQ=WEEKLY", f"INTERVAL={self.interval_weeks}", f"BYDAY={day}"]
        elif self.kind is RepeatKind.MONTHLY:
            parts = ["FREQ=MONTHLY", f"BYDAY={self.nth}{day}"]
        else:
            raise ValueError("a one-off meeting has no RRULE")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        elif self.until is not None:
            # Naive local end of day: the rule is expanded in local wall-clock time.
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        return ";".join(parts)

    def describe(self) -> str:
        if self.kind is RepeatKind.WEEKLY:
            every = "week" if self.interval_weeks == 1 else f"{self.interval_weeks} weeks"
            text = f"Every {every} on {WEEKDAY_NAMES[self.weekday]}"
        else:
            text = f"Monthly on the {ORDINALS[self.nth]} {WEEKDAY_NAMES[self.weekday]}"
        if self.count is not None:
            return f"{text}, {self.count} meetings"
        return f"{text}, until {self.until:%-d %B %Y}" if self.until else text


def occurrences(
    rule: str, first_day: date, start: time, limit: int = MAX_OCCURRENCES
) -> list[datetime]:
    """Start times (aware, Europe/London) of the occurrences of ``rule`` from ``first_day``.

    At most ``limit`` occurrences are returned. ``first_day`` itself is included only if the
    rule matches it.
    """
    dtstart = datetime.combine(first_day, start)  # naive: local wall-clock time
    expanded = rrule.rrulestr(rule, dtstart=dtstart)
    starts: list[datetime] = []
    for moment in expanded:
        starts.append(moment.replace(tzinfo=LONDON))
        if len(starts) >= limit:
            break
    return starts


def describe_rrule(rule: str) -> str:
    """A readable description of an RRULE this module produced (best effort)."""
    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    byday = fields.get("BYDAY", "MO")
    code = byday[-2:]
    weekday = WEEKDAY_CODES.index(code) if code in WEEKDAY_CODES else 0
    count = int(fields["COUNT"]) if "COUNT" in fields else None
    until = datetime.strptime(fields["UNTIL"][:8], "%Y%m%d").date() if "UNTIL" in fields else None
    if fields.get("FREQ") == "MONTHLY":
        nth = int(byday[:-2] or "1")
        return Recurrence(RepeatKind.MONTHLY, weekday, nth=nth, count=count, until=until).describe()
    interval = int(fields.get("INTERVAL", "1"))
    return Recurrence(
        RepeatKind.WEEKLY, weekday, interval_weeks=interval, count=count, until=until
    ).describe()
