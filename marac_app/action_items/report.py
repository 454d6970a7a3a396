"""Persistent non-completion by agency over a chosen period: the steering group's report.

Counts only, per agency (agency names are not personal data): the actions due in the
period, how many were completed on time (completion dated on or before the due date) or
late, how many are still open past their due date, how many were closed as not completed
or not possible, and the percentage completed on time. Cases under restriction of processing
are left out. Exports are pure functions returning bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from marac_app.action_items.models import ActionItem, ActionStatus, ActionStatusUpdate
from marac_app.agencies.models import Agency
from marac_app.common.errors import ServiceError
from marac_app.common.spreadsheet import csv_bytes, safe_cell
from marac_app.extensions import db
from marac_app.referrals.models import Case
from marac_app.referrals.restriction import restricted_case_ids

MARKING = "OFFICIAL-SENSITIVE"
MAX_PERIOD_DAYS = 3 * 366
HEADER: tuple[str, ...] = (
    "Agency",
    "Actions due in the period",
    "Completed on time",
    "Completed late",
    "Still open past due date",
    "Not completed or not possible",
    "Completed on time (%)",
)
PERIOD_BACKWARDS = "The end of the period must be the same as or after its start"
PERIOD_TOO_LONG = "The period must be 3 years or shorter"


@dataclass(frozen=True)
class AgencyRow:
    agency: str
    due: int
    on_time: int
    late: int
    open_past_due: int
    not_done: int

    @property
    def percent_on_time(self) -> int | None:
        """Whole per cent completed on time of those due (None when none were due)."""
        return round(100 * self.on_time / self.due) if self.due else None

    def cells(self) -> tuple[str | int, ...]:
        percent = self.percent_on_time
        return (
            self.agency,
            self.due,
            self.on_time,
            self.late,
            self.open_past_due,
            self.not_done,
            "" if percent is None else percent,
        )


def check_period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        raise ServiceError("Enter the start and the end of the period")
    if end < start:
        raise ServiceError(PERIOD_BACKWARDS, field="end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ServiceError(PERIOD_TOO_LONG, field="end")
    return start, end


def noncompletion_by_agency(
    area_id: int | None, start: date, end: date, *, today: date
) -> list[AgencyRow]:
    """One row per agency owning an action due from ``start`` to ``end`` (inclusive) in
    ``area_id`` (None: every area), by agency name. "Completed" is dated by the date the
    completion was recorded as happening (the status update's date)."""
    start, end = check_period(start, end)
    completed_on = (
        sa.select(
            ActionStatusUpdate.action_id.label("action_id"),
            sa.func.max(ActionStatusUpdate.dated).label("dated"),
        )
        .where(ActionStatusUpdate.to_status == ActionStatus.COMPLETED)
        .group_by(ActionStatusUpdate.action_id)
        .subquery()
    )
    completed = ActionItem.status == ActionStatus.COMPLETED
    query = (
        sa.select(
            Agency.name,
            sa.func.count(ActionItem.id),
            sa.func.count(ActionItem.id).filter(
                completed,
                sa.or_(completed_on.c.dated.is_(None), completed_on.c.dated <= ActionItem.due_date),
            ),
            sa.func.count(ActionItem.id).filter(
                completed, completed_on.c.dated > ActionItem.due_date
            ),
            sa.func.count(ActionItem.id).filter(
                ActionItem.status == ActionStatus.OPEN, ActionItem.due_date < today
            ),
            sa.func.count(ActionItem.id).filter(
                ActionItem.status.in_([ActionStatus.NOT_COMPLETED, ActionStatus.NOT_POSSIBLE])
            ),
        )
        .select_from(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .join(Agency, Agency.id == ActionItem.owner_agency_id)
        .outerjoin(completed_on, completed_on.c.action_id == ActionItem.id)
        .where(
            ActionItem.due_date >= start,
            ActionItem.due_date <= end,
            ActionItem.case_id.not_in(restricted_case_ids()),
        )
        .group_by(Agency.name)
        .order_by(Agency.name)
    )
    if area_id is not None:
        query = query.where(Case.area_id == area_id)
    return [AgencyRow(*row) for row in db.session.execute(query)]


def report_csv(rows: list[AgencyRow]) -> bytes:
    """CSV (UTF-8 with BOM, every cell guarded): the header, then one row per agency."""
    return csv_bytes(HEADER, (row.cells() for row in rows))


def report_xlsx(rows: list[AgencyRow], *, title: str) -> bytes:
    """XLSX: row 1 the marking, row 2 the title, row 4 the header, agencies from row 5."""
    workbook = Workbook()
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):
        raise TypeError("a new workbook starts with one worksheet")
    sheet.title = "Non-completion"
    for band in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader):
        if band is not None:
            band.center.text = MARKING
    sheet.cell(row=1, column=1, value=MARKING).font = Font(bold=True)
    sheet.cell(row=2, column=1, value=safe_cell(title))
    for column, heading in enumerate(HEADER, start=1):
        sheet.cell(row=4, column=column, value=heading).font = Font(bold=True)
    for offset, row in enumerate(rows):
        for column, value in enumerate(row.cells(), start=1):
            sheet.cell(
                row=5 + offset,
                column=column,
                value=safe_cell(value) if isinstance(value, str) else value,
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
