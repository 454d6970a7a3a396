"""The restricted minutes PDF, read back with pypdf (and poppler's pdfinfo when installed)."""

from __future__ import annotations

import base64
import dataclasses
import logging
import re
from datetime import date

import pytest

from marac_app.documents.pdf import (
    PDF_BASE_URL,
    RefusedURL,
    RestrictedURLFetcher,
    html_to_pdf,
)
from marac_app.minutes.document import CaseSection, Entry, SubjectSection
from marac_app.minutes.pdf import render_action_extract_pdf, render_minutes_pdf
from tests.distribution.conftest import (
    EXTRACT_ACTIONS,
    FACT_TEXT,
    MEETING,
    OPINION_TEXT,
    STATEMENT,
    VICTIM_NAME,
    assert_tagged,
    minutes_document,
    page_texts,
    reader,
    xmp_bytes,
)

PASSWD_MARK = "root:x:0:0"


def test_every_page_is_marked_official_sensitive_top_and_bottom_with_page_x_of_y(
    minutes_pdf: bytes,
) -> None:
    texts = page_texts(minutes_pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {number} lacks the marking twice"
        assert f"Page {number} of {len(texts)}" in text


def test_front_matter_statement_attendance_and_actions(minutes_pdf: bytes) -> None:
    text = " ".join(page_texts(minutes_pdf))
    flat = re.sub(r"\s+", " ", text)
    assert "MARAC minutes – Cambridge – 3 March 2026" in flat
    assert "Room 2, Example House, Cambridge" in flat
    assert "Detective Inspector Sam Chairperson" in flat
    assert "Confidentiality statement (version 3)" in flat
    assert STATEMENT in flat
    assert "Record of acknowledgements" in flat
    assert "Present" in flat and "Apologies" in flat and "Observers" in flat
    assert "Information sent" in flat
    assert "Review of outstanding actions" in flat
    assert "Referral criterion" in flat
    assert "Victim's view (as relayed by the IDVA)" in flat
    assert "Chair's risk summary" in flat


def test_facts_and_opinions_sit_under_separate_headings(minutes_pdf: bytes) -> None:
    text = re.sub(r"\s+", " ", " ".join(page_texts(minutes_pdf)))
    case = text[text.index("Case MARK-0001") :]
    facts = case.index("Facts")
    fact = case.index(FACT_TEXT)
    opinion_heading = case.index("Professional opinion")
    opinion = case.index(OPINION_TEXT)
    assert facts < fact < opinion_heading < opinion
    assert OPINION_TEXT not in case[facts:opinion_heading]
    assert FACT_TEXT not in case[opinion_heading:]


def test_metadata_names_the_meeting_and_no_person(minutes_pdf: bytes) -> None:
    pdf = reader(minutes_pdf)
    metadata = {str(k): str(v) for k, v in (pdf.metadata or {}).items()}
    assert metadata["/Title"] == "MARAC minutes – Cambridge – 3 March 2026"
    assert not {"/Author", "/Keywords", "/Subject"} & metadata.keys()
    everything = " ".join(metadata.values()) + xmp_bytes(minutes_pdf).decode("utf-8", "replace")
    assert VICTIM_NAME not in everything
    assert "Chairperson" not in everything
    # The victim's name is in the body, so the check above is meaningful.
    assert VICTIM_NAME in " ".join(page_texts(minutes_pdf))


def test_metadata_in_the_html_does_not_reach_the_pdf() -> None:
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>MARAC minutes – Test</title>'
        f'<meta name="author" content="{VICTIM_NAME}">'
        f'<meta name="keywords" content="{VICTIM_NAME}">'
        f'<meta name="description" content="{VICTIM_NAME}">'
        "</head><body><p>Body</p></body></html>"
    )
    pdf = html_to_pdf(html)
    assert VICTIM_NAME.encode() not in xmp_bytes(pdf)
    assert all(VICTIM_NAME not in str(v) for v in (reader(pdf).metadata or {}).values())


def test_minutes_pdf_is_tagged_with_language(minutes_pdf: bytes) -> None:
    assert_tagged(minutes_pdf)


def test_action_extract_holds_only_that_agencys_actions() -> None:
    pdf = render_action_extract_pdf("Housing Options", MEETING, EXTRACT_ACTIONS)
    text = re.sub(r"\s+", " ", " ".join(page_texts(pdf)))
    assert "HOUSING-ACTION-ONE" in text and "HOUSING-ACTION-TWO" in text
    assert "CAM-1" in text and "CAM-3" in text
    assert "POLICE-ACTION-SECRET" not in text and "CSC-ACTION-SECRET" not in text
    assert "CAM-2" not in text and "CAM-4" not in text
    for number, page in enumerate(page_texts(pdf), start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2
        assert f"Page {number} of" in page
    assert_tagged(pdf)


def _hostile_document(html: str):
    hostile = CaseSection(
        reference="HOSTILE-1",
        criterion="Test",
        subjects=(SubjectSection(subject="Victim", facts=(Entry("Police", html),)),),
    )
    return dataclasses.replace(minutes_document(), cases=(hostile,))


@pytest.mark.parametrize(
    "html",
    [
        '<p>Before</p><img src="file:///etc/passwd" alt="x"><p>After</p>',
        '<p style="background:url(file:///etc/passwd)">Styled</p>',
        '<style>@import url("file:///etc/passwd");</style><p>Imported</p>',
        '<a rel="attachment" href="file:///etc/passwd">attached</a>',
        '<object data="file:///etc/passwd" type="text/plain">obj</object>',
    ],
)
def test_local_files_are_never_read(html: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="marac_app.documents.pdf")
    pdf = render_minutes_pdf(_hostile_document(html))
    text = " ".join(page_texts(pdf))
    assert PASSWD_MARK not in text
    assert PASSWD_MARK.encode() not in pdf
    parsed = reader(pdf)
    assert not parsed.attachments
    names = parsed.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    refusals = [r for r in caplog.records if r.name == "marac_app.documents.pdf"]
    assert refusals, "the refusal was not logged"
    assert all("scheme=file" in r.getMessage() for r in refusals)
    assert all("passwd" not in r.getMessage() for r in refusals)


def test_remote_urls_are_refused_without_a_network_call(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF renderer opened a network connection")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    caplog.set_level(logging.WARNING, logger="marac_app.documents.pdf")
    html = (
        '<img src="http://attacker.example/track.png?victim=1">'
        '<p style="background:url(https://attacker.example/x.png)">x</p>'
    )
    pdf = render_minutes_pdf(_hostile_document(html))
    assert pdf.startswith(b"%PDF")
    messages = [r.getMessage() for r in caplog.records if r.name == "marac_app.documents.pdf"]
    assert any("scheme=http " in m and "host not allowed" in m for m in messages)
    assert any("scheme=https " in m for m in messages)
    assert all("attacker" not in m and "victim" not in m for m in messages)


PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_fetcher_rules() -> None:
    fetcher = RestrictedURLFetcher()
    served = fetcher.fetch(PDF_BASE_URL + "static/src/favicon.svg")  # committed: no build needed
    assert served.read()
    small = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    assert fetcher.fetch(small).read() == PNG_1PX
    refused = [
        "file:///etc/passwd",
        "http://attacker.example/x.png",
        "https://marac-app.invalid.attacker.example/static/dist/app.css",
        PDF_BASE_URL + "static/../pyproject.toml",
        PDF_BASE_URL + "static/%2e%2e/pyproject.toml",
        PDF_BASE_URL + "templates/base.html",
        PDF_BASE_URL + "static/no-such-file.png",
        "data:text/html,<b>x</b>",
        "data:image/png;base64," + base64.b64encode(b"\0" * (33 * 1024)).decode(),
        "ftp://example.com/x",
        "javascript:alert(1)",
    ]
    for url in refused:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_small_data_image_is_allowed_in_an_entry() -> None:
    image = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    pdf = render_minutes_pdf(_hostile_document(f'<p>Map</p><img src="{image}" alt="Map">'))
    images = [img for page in reader(pdf).pages for img in page.images]
    assert images


def test_dates_are_printed_in_the_gov_uk_style() -> None:
    doc = dataclasses.replace(minutes_document(), meeting_date=date(2026, 3, 3), cases=())
    text = " ".join(page_texts(render_minutes_pdf(doc)))
    assert "3 March 2026" in text and "03 March" not in text


def test_the_apps_own_base_url_is_served_from_disk(app, monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the fetcher opened a network connection")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    with app.app_context():
        base = app.config["PUBLIC_BASE_URL"].rstrip("/")
        fetcher = RestrictedURLFetcher()
        assert fetcher.fetch(f"{base}/static/src/favicon.svg").read()
        with pytest.raises(RefusedURL):
            fetcher.fetch(f"{base}/admin/users")


def test_svg_data_images_cannot_pull_in_local_files(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="marac_app.documents.pdf")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10" height="10"><image xlink:href="file:///etc/passwd" href="file:///etc/passwd"'
        ' width="10" height="10"/><text y="5">s</text></svg>'
    )
    image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    pdf = render_minutes_pdf(_hostile_document(f'<img src="{image}" alt="x">'))
    assert PASSWD_MARK.encode() not in pdf
    assert PASSWD_MARK not in " ".join(page_texts(pdf))


def test_typed_text_before_a_colon_is_not_logged_as_a_scheme(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="marac_app.documents.pdf")
    with pytest.raises(RefusedURL):
        RestrictedURLFetcher().fetch("philippa:secret-address")
    assert all("philippa" not in r.getMessage() for r in caplog.records)
    assert any("scheme=other" in r.getMessage() for r in caplog.records)
