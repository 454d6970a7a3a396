"""Per-recipient copies: the stamp on every page, the master's tagging kept, no re-render."""

from __future__ import annotations

import statistics
import subprocess
import time
from datetime import datetime

import pytest

from marac_app.documents import pdf as pdf_module
from marac_app.documents.stamp import (
    SLOT_MARKER,
    pdf_string,
    prepare_master,
    stamp_copy,
)
from tests.distribution.conftest import (
    ISSUED_AT,
    VICTIM_NAME,
    assert_tagged,
    page_texts,
    reader,
    xmp_bytes,
)

RECIPIENT = "Morgan Recipient"
AGENCY = "Housing Options"
DOC_ID = "3f0c2a9e-6b1d-4d7e-9a51-2c1f7e0b8d44"


@pytest.fixture(scope="module")
def prepared(minutes_pdf: bytes) -> bytes:
    return prepare_master(minutes_pdf)


def _copy(master: bytes, **overrides) -> bytes:
    args = {
        "recipient_name": RECIPIENT,
        "agency_name": AGENCY,
        "issued_at": ISSUED_AT,
        "document_id": DOC_ID,
        **overrides,
    }
    return stamp_copy(master, **args)


def test_every_page_carries_the_watermark_and_footer(prepared: bytes) -> None:
    texts = page_texts(_copy(prepared))
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"{RECIPIENT} – {AGENCY} – {DOC_ID}" in text, f"page {number}: no watermark"
        assert (
            f"Issued to {RECIPIENT}, {AGENCY}, 06 Mar 2026 09:30 UTC · Document {DOC_ID}" in text
        ), f"page {number}: no footer"
        assert text.count("OFFICIAL-SENSITIVE") >= 2
        assert f"Page {number} of {len(texts)}" in text


def test_stamped_copy_stays_tagged_and_keeps_title_and_language(prepared: bytes) -> None:
    copy = _copy(prepared)
    assert copy.startswith(b"%PDF-1.7")
    assert_tagged(copy)
    metadata = reader(copy).metadata
    assert metadata["/Title"] == "MARAC minutes – Cambridge – 3 March 2026"
    everything = " ".join(str(v) for v in metadata.values()) + xmp_bytes(copy).decode(
        "utf-8", "replace"
    )
    assert RECIPIENT not in everything and VICTIM_NAME not in everything


def test_the_overlay_is_an_artifact_outside_the_structure_tree(prepared: bytes) -> None:
    page = reader(_copy(prepared)).pages[0]
    content = page.get_contents().get_data()
    assert b"/Artifact <</Type /Pagination /Subtype /Watermark>> BDC" in content
    assert b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC" in content
    fonts = page["/Resources"]["/Font"]
    stamp_font = next(f.get_object() for k, f in fonts.items() if k == "/MaracStampU")
    assert stamp_font["/Subtype"] == "/Type0" and stamp_font["/Encoding"] == "/Identity-H"
    assert stamp_font["/BaseFont"] == "/MARACS+DejaVuSans"
    [cid_font] = [f.get_object() for f in stamp_font["/DescendantFonts"]]
    assert "/FontFile2" in cid_font["/FontDescriptor"], "the stamp font is embedded"
    assert "/ToUnicode" in stamp_font


def test_copies_differ_only_by_recipient_and_do_not_rerender(
    prepared: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_render(*args, **kwargs):
        raise AssertionError("stamping re-rendered the document")

    monkeypatch.setattr(pdf_module, "HTML", no_render)
    first = _copy(prepared)
    second = _copy(prepared, recipient_name="Other Person", document_id="doc-2")
    assert len(first) == len(second) == len(prepared)  # same byte layout, slots overwritten
    assert "Other Person" in page_texts(second)[0] and RECIPIENT not in page_texts(second)[0]


def test_an_unprepared_master_is_prepared_on_the_fly(minutes_pdf: bytes) -> None:
    assert SLOT_MARKER not in minutes_pdf
    texts = page_texts(_copy(minutes_pdf))
    assert all(DOC_ID in text for text in texts)
    assert prepare_master(prepare_master(minutes_pdf)) == prepare_master(minutes_pdf)


@pytest.mark.parametrize(
    "name, expected",
    [
        # Regression (issue 16): printed "?ukasz Zó?c-Nguyen" in the standard Helvetica.
        ("Łukasz Żółć-Nguyễn", "Łukasz Żółć-Nguyễn"),
        ("Siobhán O'Neill (née Smith) \\ co", "Siobhán O'Neill (née Smith) \\ co"),
        ("Zoë Łukasz Ivanović", "Zoë Łukasz Ivanović"),
        ("Ελένη Παπαδοπούλου", "Ελένη Παπαδοπούλου"),
        ("Олена Шевченко", "Олена Шевченко"),
        ("Şükrü Ağaoğlu", "Şükrü Ağaoğlu"),
        ("李小龍", "???"),  # outside the embedded ranges: replaced, never dropped silently
    ],
)
def test_names_in_any_script_read_back_exactly_on_every_page(
    prepared: bytes, name: str, expected: str
) -> None:
    texts = page_texts(_copy(prepared, recipient_name=name))
    for number, text in enumerate(texts, start=1):
        assert f"Issued to {expected}, {AGENCY}" in text, f"page {number}"
        assert f"{expected} – {AGENCY} – {DOC_ID}" in text, f"page {number}: watermark"


def test_every_font_of_a_stamped_copy_is_embedded(prepared: bytes, tmp_path) -> None:
    """pdffonts (poppler, a reader nobody here wrote) lists no font that is not embedded."""
    path = tmp_path / "copy.pdf"
    path.write_bytes(_copy(prepared, recipient_name="Łukasz Żółć-Nguyễn"))
    listing = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    header = listing[0]
    column = header.index("emb")
    rows = [line for line in listing[2:] if line.strip()]
    assert any("DejaVuSans" in row for row in rows)
    for row in rows:
        assert row[column : column + 3].strip() == "yes", f"not embedded: {row}"


def test_pdf_string_is_glyph_ids_in_hex() -> None:
    encoded = pdf_string("A(b)\\")
    assert encoded.startswith(b"<") and encoded.endswith(b">")
    assert len(encoded) == 2 + 4 * 5  # two bytes per character, nothing escaped


def test_naive_issue_time_is_refused(prepared: bytes) -> None:
    with pytest.raises(ValueError):
        _copy(prepared, issued_at=datetime(2026, 3, 6, 9, 30))


def test_stamping_is_fast(prepared: bytes) -> None:
    timings = []
    for n in range(10):
        start = time.perf_counter()
        _copy(prepared, document_id=f"doc-{n}")
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.05
