"""Research list export: a pure function returning bytes (the view only wraps it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from marac_app.referrals.services import ResearchRow

RESEARCH_LIST_HEADER = (
    "Victim name", "Victim date of birth",
    "Alleged perpetrator names and dates of birth", "Children names and dates of birth",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (prefixes a quote: OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def format_dob(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "Not known"


def _people(people: Sequence[tuple[str, date | None]]) -> str:
    return "; ".join(f"{name} ({format_dob(dob)})" for name, dob in people)


def research_list_csv(rows: Sequence[ResearchRow]) -> bytes:
    """CSV (UTF-8 with BOM for spreadsheets) of names and dates of birth only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESEARCH_LIST_HEADER)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in (
            row.victim_name, format_dob(row.victim_date_of_birth),
            _people(row.perpetrators), _people(row.children),
        )])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
