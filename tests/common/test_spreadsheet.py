"""The one spreadsheet guard used by every CSV and XLSX export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from marac_app.common.spreadsheet import FORMULA_STARTS, csv_bytes, safe_cell


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_quoted(start: str) -> None:
    assert safe_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Police", "Police"),
        (None, ""),
        (5, "5"),
        (date(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2, 9, 30, tzinfo=UTC), "2026-01-02T09:30:00+00:00"),
        ("Łukasz Żółć-Nguyễn", "Łukasz Żółć-Nguyễn"),
        ("a=b", "a=b"),
    ],
)
def test_ordinary_values_are_kept(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_csv_bytes_has_a_bom_crlf_and_guarded_cells() -> None:
    data = csv_bytes(["Name", "=Heading"], [["Łukasz", "=1+1"], [None, date(2026, 3, 1)]])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Name", "'=Heading"], ["Łukasz", "'=1+1"], ["", "2026-03-01"]]
