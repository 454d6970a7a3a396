"""Fixtures for the restricted PDF engine: fictional documents rendered once per module."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from marac_app.distribution.sample import sample_minutes
from marac_app.minutes.document import (
    ActionLine,
    CaseSection,
    Entry,
    MeetingInfo,
    MinutesDocument,
    RiskSummary,
    SubjectSection,
)
from tests.distribution.world import dw  # noqa: F401 - a real approved meeting (fixture)

VICTIM_NAME = "Philippa Quenby-Marsh"
STATEMENT = "Statement-text-marker: what is said in this room stays in this room."
FACT_TEXT = "FACTMARKER the police attended on 2 February"
OPINION_TEXT = "OPINIONMARKER the risk is escalating in my view"


def marked_case() -> CaseSection:
    """A case whose fact and opinion texts can be found in the extracted PDF text."""
    return CaseSection(
        reference="MARK-0001",
        criterion="Repeat incident",
        subjects=(
            SubjectSection(
                subject="Perpetrator",
                facts=(
                    Entry(agency="Police", text_html=f"<p>{FACT_TEXT}</p>", author="PC Example"),
                ),
                opinions=(
                    Entry(
                        agency="Probation",
                        text_html=f"<p>{OPINION_TEXT}</p>",
                        author="Officer Example",
                    ),
                ),
            ),
        ),
        victim_view=(
            Entry(agency="IDVA service", text_html=f"<p>{VICTIM_NAME} wants to stay at home.</p>"),
        ),
        risk_summary=RiskSummary(harm="High", contributing="Separation", protective="Family"),
        actions=(ActionLine("MARK-0001", "Police", "Flag the address", date(2026, 3, 10)),),
    )


def minutes_document(*extra_cases: CaseSection) -> MinutesDocument:
    """Three sample cases (each starts a new page) plus ``extra_cases``; ≥ 4 pages."""
    base = sample_minutes(cases=3, victim_prefix=VICTIM_NAME)
    return dataclasses.replace(
        base, statement_text=STATEMENT, cases=(marked_case(), *base.cases, *extra_cases)
    )


MEETING = MeetingInfo(
    area_name="Cambridge",
    meeting_title="Cambridge MARAC",
    meeting_date=date(2026, 3, 3),
    venue="Room 2",
    chair_name="DI Chair",
)

EXTRACT_ACTIONS = (
    ActionLine("CAM-1", "Housing Options", "HOUSING-ACTION-ONE", date(2026, 3, 10)),
    ActionLine("CAM-2", "Police", "POLICE-ACTION-SECRET", date(2026, 3, 11)),
    ActionLine("CAM-3", "Housing Options", "HOUSING-ACTION-TWO", date(2026, 3, 12)),
    ActionLine("CAM-4", "Children's Social Care", "CSC-ACTION-SECRET", None),
)

ISSUED_AT = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def minutes_pdf() -> bytes:
    from marac_app.minutes.pdf import render_minutes_pdf

    return render_minutes_pdf(minutes_document())


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(pdf).pages]


def xmp_bytes(pdf: bytes) -> bytes:
    root = reader(pdf).trailer["/Root"]
    return root["/Metadata"].get_object().get_data() if "/Metadata" in root else b""


def assert_tagged(pdf: bytes) -> None:
    root = reader(pdf).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run([pdfinfo, handle.name], capture_output=True, check=True, text=True)
    assert re.search(r"^Tagged:\s+yes$", out.stdout, re.M), out.stdout


@pytest.fixture(autouse=True)
def _pdf_loggers_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alembic's ``fileConfig`` (run by the session's ``upgrade()``) disables loggers that
    already exist; the refusal log is behaviour under test, so switch it back on."""
    import logging

    for name in (
        "marac_app.documents.pdf",
        "marac_app.distribution.copies",
        "marac_app.distribution.recipients",
    ):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
