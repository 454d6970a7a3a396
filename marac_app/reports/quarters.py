"""Calendar quarters of the data return, with their Europe/London bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from marac_app.common.time import LONDON


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: 1 = January to March … 4 = October to December."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4) or not 2000 <= self.year <= 2100:
            raise ValueError("no such quarter")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026-Q3" → Quarter(2026, 3); ValueError for anything else."""
        year, sep, number = (text or "").strip().upper().partition("-Q")
        if not sep or not year.isdigit() or not number.isdigit() or len(year) != 4:
            raise ValueError("not a quarter")
        return cls(int(year), int(number))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    @property
    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def label(self) -> str:
        months = ("January to March", "April to June", "July to September", "October to December")[
            self.number - 1
        ]
        return f"{months} {self.year}"

    @property
    def short_label(self) -> str:
        return f"Q{self.number} {self.year}"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC of the quarter's Europe/London days."""
        start = datetime.combine(self.first_day, time(0), tzinfo=LONDON)
        end = datetime.combine(self.next.first_day, time(0), tzinfo=LONDON)
        return start, end


def recent_quarters(today: date, count: int = 12) -> list[Quarter]:
    """The quarter containing ``today`` and the ``count - 1`` before it, newest first."""
    found = [Quarter.containing(today)]
    while len(found) < count:
        found.append(found[-1].previous)
    return found
