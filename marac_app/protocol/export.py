"""The ISP register as CSV: a pure function returning bytes (the view only wraps it)."""

from __future__ import annotations

from collections.abc import Iterable

from marac_app.common.spreadsheet import csv_bytes
from marac_app.protocol.services import RegisterRow

HEADER = (
    "Agency",
    "Status",
    "Signatory",
    "Job title",
    "Version signed",
    "Date signed",
    "Review date",
    "Date withdrawn",
    "Withdrawal reason",
    "Current version",
)


def register_csv(rows: Iterable[RegisterRow]) -> bytes:
    """One line per agency (UTF-8 with BOM so Excel shows names correctly)."""

    def cells(row: RegisterRow) -> tuple[object, ...]:
        status, signature = row.status, row.status.signature
        return (
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
        )

    return csv_bytes(HEADER, (cells(row) for row in rows))
