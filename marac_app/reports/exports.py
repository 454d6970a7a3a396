"""Downloads of the data return: pure functions returning bytes (the views only wrap them).

Both formats have the same columns (``services.COLUMNS``) plus a "Notes" column for fields
recorded for some cases only. A blank (not recorded) is an empty cell, never 0.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from marac_app.common.spreadsheet import csv_bytes, safe_cell
from marac_app.reports.quarters import Quarter
from marac_app.reports.services import COLUMNS, ReturnRow

MARKING = "OFFICIAL-SENSITIVE"
HEADINGS: tuple[str, ...] = (*(heading for _, heading in COLUMNS), "Notes")


def _cells(row: ReturnRow) -> list[Any]:
    """The row's values in column order: dates as dates, blanks as None."""
    return [row.value(key) for key, _ in COLUMNS] + [row.notes or None]


def return_csv(rows: Sequence[ReturnRow]) -> bytes:
    """CSV (UTF-8 with BOM for spreadsheets): a heading row, then one row per meeting."""
    return csv_bytes(HEADINGS, (_cells(row) for row in rows))


def return_xlsx(rows: Sequence[ReturnRow], *, area_name: str, quarter: Quarter) -> bytes:
    """An XLSX workbook: row 1 the OFFICIAL-SENSITIVE banner, row 2 the title, row 4 the
    headings, data from row 5. The page header and footer carry the marking too."""
    workbook = Workbook()
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):
        raise TypeError("a new workbook starts with one worksheet")
    sheet.title = f"Return {quarter.key}"
    for band in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader):
        if band is not None:
            band.center.text = MARKING
    sheet.cell(row=1, column=1, value=MARKING).font = Font(bold=True)
    sheet.cell(
        row=2,
        column=1,
        value=safe_cell(f"SafeLives MARAC data return: {area_name}, {quarter.label}"),
    )
    for column, heading in enumerate(HEADINGS, start=1):
        cell = sheet.cell(row=4, column=column, value=heading)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = 18
    for offset, row in enumerate(rows):
        for column, value in enumerate(_cells(row), start=1):
            if isinstance(value, str):
                value = safe_cell(value)
            cell = sheet.cell(row=5 + offset, column=column, value=value)
            if column == 1:
                cell.number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "B5"
    workbook.properties.creator = "MARAC Manager"
    workbook.properties.title = f"SafeLives MARAC data return {quarter.key} ({MARKING})"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
