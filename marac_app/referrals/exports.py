"""Research list export: a pure function returning bytes (the view only wraps it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from marac_app.common.spreadsheet import csv_bytes
from marac_app.referrals.services import ResearchRow

RESEARCH_LIST_HEADER = (
    "Case reference",
    "Victim name",
    "Victim other names",
    "Victim date of birth",
    "Alleged perpetrator names, other names and dates of birth",
    "Children names, other names and dates of birth",
)


def format_dob(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "Not known"


def _person(name: str, dob: date | None, aliases: str) -> str:
    also = f" (also known as {aliases})" if aliases else ""
    return f"{name}{also} ({format_dob(dob)})"


def _people(people: Sequence[tuple[str, date | None, str]]) -> str:
    return "; ".join(_person(name, dob, aliases) for name, dob, aliases in people)


def research_list_csv(rows: Sequence[ResearchRow]) -> bytes:
    """CSV (UTF-8 with BOM for spreadsheets) of case references, names, other names and
    dates of birth only."""
    return csv_bytes(
        RESEARCH_LIST_HEADER,
        (
            (
                row.reference,
                row.victim_name,
                row.victim_aliases,
                format_dob(row.victim_date_of_birth),
                _people(row.perpetrators),
                _people(row.children),
            )
            for row in rows
        ),
    )
