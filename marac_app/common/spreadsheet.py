"""The one guard for text that a spreadsheet will open (CSV and XLSX exports).

``safe_cell`` is applied to every cell of every export. A spreadsheet runs a cell that
starts with a formula character as a formula (OWASP "CSV injection"): ``=HYPERLINK(...)`` in
a name could send a victim's details to a stranger's server when the coordinator opens the
file. The widest set any of our readers treats as a formula start is refused — Excel and
LibreOffice (``= + - @``, tab, CR, LF), DDE tricks (``|``, ``%``) and the full-width forms
some locales type — by prefixing an apostrophe, which spreadsheets show as text and hide.

``csv_bytes`` writes a whole CSV the one way: UTF-8 with a byte-order mark (Excel otherwise
reads "Łukasz" as mojibake), CRLF line ends, every cell guarded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "|",
    "%",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
)


def safe_cell(value: object) -> str:
    """``value`` as cell text: None → "", dates in ISO form, anything that could start a
    formula prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """The CSV file of ``header`` and ``rows`` (UTF-8 with BOM, CRLF, every cell guarded)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
