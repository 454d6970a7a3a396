"""The ISP register as CSV: a pure function returning bytes (the view only wraps it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from marac_app.protocol.services import RegisterRow

HEADER = ("Agency", "Status", "Signatory", "Job title", "Version signed", "Date signed",
          "Review date", "Date withdrawn", "Withdrawal reason", "Current version")

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text, with a leading apostrophe when it could run as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def register_csv(rows: Iterable[RegisterRow]) -> bytes:
    """One line per agency (UTF-8 with BOM so Excel shows names correctly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        status, signature = row.status, row.status.signature
        writer.writerow([safe_cell(value) for value in (
            row.agency.name,
            status.label,
            signature.signatory_name if signature else None,
            signature.signatory_job_title if signature else None,
            signature.protocol_version.version_label if signature else None,
            signature.signed_on if signature else None,
            signature.review_due_on if signature else None,
            signature.withdrawn_on if signature else None,
            signature.withdrawal_reason if signature else None,
            status.current_version.version_label if status.current_version else None,
        )])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
