"""Research list export: a pure function returning bytes (the view only wraps it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from marac_app.common.spreadsheet import csv_bytes
from marac_app.referrals.services import ResearchRow

RESEARCH_LIST_HEADER = (
    "Victim name",
    "Victim date of birth",
    "Alleged perpetrator names and dates of birth",
    "Children names and dates of birth",
)


def format_dob(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "Not known"


def _people(people: Sequence[tuple[str, date | None]]) -> str:
    return "; ".join(f"{name} ({format_dob(dob)})" for name, dob in people)


def research_list_csv(rows: Sequence[ResearchRow]) -> bytes:
    """CSV (UTF-8 with BOM for spreadsheets) of names and dates of birth only."""
    return csv_bytes(
        RESEARCH_LIST_HEADER,
        (
            (
                row.victim_name,
                format_dob(row.victim_date_of_birth),
                _people(row.perpetrators),
                _people(row.children),
            )
            for row in rows
        ),
    )
