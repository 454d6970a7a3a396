"""The one sanitiser, an XSS corpus through every rich-text field checked in the rendered
pages, and the minutes document the PDF feature renders."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marac_app.common.sanitize import html_to_text, sanitize_html
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.minutes.builder import build_minutes_document
from marac_app.minutes.models import MinuteEntry
from tests.minutes.conftest import approval_data, entry_data

XSS = [
    "<script>alert('x1')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(2)</sCrIpT>",
    "<img src=x onerror=alert(3)>",
    "<IMG SRC=x OnErRoR=alert(4)>",
    '<a href="javascript:alert(5)">click</a>',
    '<a href="JaVaScRiPt:alert(6)">click</a>',
    '<a href="&#106;avascript:alert(7)">encoded</a>',
    '<p style="background:url(javascript:alert(8))">styled</p>',
    "<style>body{background:url(javascript:alert(9))}</style>",
    '<div style="width: expression(alert(10))">x</div>',
    "<svg onload=alert(11)>",
    "<svg><script>alert(12)</script></svg>",
    "<iframe src=javascript:alert(13)></iframe>",
    "<body onload=alert(14)>",
    '<input autofocus onfocus="alert(15)">',
    "<scr<script>ipt>alert(16)</script>",
    "&lt;script&gt;alert(17)&lt;/script&gt;",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(18)>",
    "<!--<img src=x onerror=alert(19)>-->",
    '<object data="javascript:alert(20)"></object>',
    '<p onclick="alert(21)">para</p>',
    '"><img src=x onerror=alert(22)>',
]
PAYLOAD = "\n".join(XSS) + "\n<strong>kept bold</strong> <em>kept em</em>"
DANGEROUS = [
    re.compile(r"<\s*script", re.I),
    re.compile(r"<\s*svg", re.I),
    re.compile(r"<\s*iframe", re.I),
    re.compile(r"<\s*img", re.I),
    re.compile(r"<\s*style", re.I),
    re.compile(r"javascript:", re.I),
    re.compile(r"\son\w+\s*=", re.I),
    re.compile(r"style\s*=", re.I),
    re.compile(r"<\s*object", re.I),
]


IN_TAG = [
    re.compile(r"<\s*(script|svg|iframe|img|style|object)", re.I),
    re.compile(r"<[^>]*\son\w+\s*=", re.I),
    re.compile(r"<[^>]*javascript:", re.I),
    re.compile(r"<[^>]*\sstyle\s*=", re.I),
]


def _assert_no_markup(html: str) -> None:
    """No dangerous element or attribute in any tag (escaped plain text may mention them)."""
    for pattern in IN_TAG:
        assert not pattern.search(html), pattern.pattern


def _assert_clean(html: str) -> None:
    for pattern in DANGEROUS:
        assert not pattern.search(html), pattern.pattern


@pytest.mark.parametrize("payload", XSS)
def test_sanitize_html_strips_each_payload(payload: str) -> None:
    cleaned = sanitize_html(payload)
    _assert_clean(cleaned)
    assert not re.search(r"<\s*a\b", cleaned, re.I)


def test_sanitize_html_keeps_the_limited_tags_only() -> None:
    kept = (
        "<p>One <strong>bold</strong> <em>em</em><br>line</p><ul><li>a</li></ul><ol><li>b</li></ol>"
    )
    assert sanitize_html(kept) == kept
    assert sanitize_html('<p class="x" id="y">a</p>') == "<p>a</p>"
    assert sanitize_html('<h1>Big</h1><a href="https://x.example">link</a>') == "<p>Biglink</p>"
    assert sanitize_html("Line 1\nLine 2\n\nPara 2") == "<p>Line 1<br>Line 2</p><p>Para 2</p>"
    assert sanitize_html("Tom & Jerry <3") == "<p>Tom &amp; Jerry &lt;3</p>"
    assert sanitize_html("") == "" and sanitize_html(None) == ""
    assert sanitize_html("<script>only</script>") == ""
    assert html_to_text("<p>A &amp; B</p><ul><li>one</li></ul>") == "A & B\n\n- one"


def _rendered(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return main


def test_xss_corpus_through_every_rich_text_field(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    assert auth.post(mw.case_url(), entry_data(mw, PAYLOAD), form_path="/").status_code == 302
    assert (
        auth.post(
            mw.case_url() + "/risk-summary",
            {
                "harm_identified": PAYLOAD,
                "contributing_factors": PAYLOAD,
                "protective_factors": PAYLOAD,
                "version": "",
            },
            form_path="/",
        ).status_code
        == 302
    )
    with app.app_context():
        entry = db.session.scalar(sa.select(MinuteEntry))
        _assert_clean(entry.text_html)
        entry_id, version = entry.id, entry.version
    base = f"/minutes/meetings/{mw.meeting.id}"
    # An edit with the payload again (the revision keeps sanitised text too).
    assert (
        auth.post(
            f"{base}/entries/{entry_id}/edit",
            {**entry_data(mw, PAYLOAD + " again"), "version": str(version)},
        ).status_code
        == 302
    )
    for url in (mw.case_url(), f"{base}/entries/{entry_id}/history", f"{base}/view"):
        main = _rendered(auth.client, url)
        _assert_clean(main)
        assert "<strong>kept bold</strong>" in main and "<em>kept em</em>" in main
    # A version conflict re-shows "yours" escaped inside a textarea, and theirs sanitised.
    conflict = auth.post(
        f"{base}/entries/{entry_id}/edit", {**entry_data(mw, PAYLOAD), "version": str(version)}
    )
    assert conflict.status_code == 409
    main = conflict.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
    # "Yours" is re-shown as typed, escaped inside its textarea (inert text, never markup).
    textareas = re.findall(r"<textarea.*?</textarea>", main, flags=re.S)
    assert any("&lt;script&gt;alert(&#39;x1&#39;)" in t for t in textareas)
    assert not any(
        re.search(r"<\s*(script|img|svg|iframe)", t.split(">", 1)[1], re.I) for t in textareas
    )
    _assert_clean(re.sub(r"<textarea.*?</textarea>", "", main, flags=re.S))

    assert (
        auth.post(f"{base}/approve", approval_data(app, mw.meeting.id), form_path="/").status_code
        == 302
    )
    assert (
        auth.post(
            f"{base}/entries/{entry_id}/amend",
            {"text": PAYLOAD, "reason": "<script>alert(1)</script> reason"},
        ).status_code
        == 302
    )
    assert (
        auth.post(
            mw.case_url() + "/risk-summary/amend",
            {
                "field": "protective_factors",
                "text": PAYLOAD + " amended",
                "reason": "<img src=x onerror=alert(1)>",
            },
        ).status_code
        == 302
    )
    for url in (
        mw.case_url(),
        f"{base}/view",
        f"{base}/entries/{entry_id}/amend",
        mw.case_url() + "/risk-summary/amend",
    ):
        main = _rendered(auth.client, url)
        # The amendment form pre-fills its textarea with stored (escaped) text: drop it.
        _assert_no_markup(main)
        # Rich text only (the plain-text reasons, escaped, are checked by _assert_no_markup).
        for block in re.findall(r'<div class="marac-rich-text"[^>]*>(.*?)</div>', main, re.S):
            _assert_clean(block)
    # The plain-text reason is escaped, never markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; reason" in _rendered(auth.client, mw.case_url())


def test_build_minutes_document_keeps_facts_and_opinions_apart(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    for text, kind, subject in [
        ("Victim fact", "fact", "victim"),
        ("Victim opinion", "professional_opinion", "victim"),
        ("Perp fact", "fact", "perpetrator"),
        ("Wants to stay", "victims_view", "victim"),
    ]:
        assert (
            auth.post(
                mw.case_url(), entry_data(mw, text, kind=kind, subject=subject), form_path="/"
            ).status_code
            == 302
        )
    auth.post(
        mw.case_url() + "/risk-summary",
        {
            "harm_identified": "<p>Harm &amp; more</p>",
            "contributing_factors": "",
            "protective_factors": "Family",
            "version": "",
        },
        form_path="/",
    )
    with app.app_context():
        document = build_minutes_document(db.session.get(Meeting, mw.meeting.id))
    assert document.area_name == mw.area.name
    assert document.statement_version == 1 and document.statement_text
    assert [p.name for p in document.present] == ["Priya Police"]
    assert len(document.acknowledgements) == 1
    first, second = document.cases
    assert first.reference == mw.case.reference and second.reference == mw.case2.reference
    subjects = {s.subject: s for s in first.subjects}
    assert set(subjects) == {"Victim", "Perpetrator"}
    assert [e.text_html for e in subjects["Victim"].facts] == ["<p>Victim fact</p>"]
    assert [e.text_html for e in subjects["Victim"].opinions] == ["<p>Victim opinion</p>"]
    assert [e.text_html for e in subjects["Perpetrator"].facts] == ["<p>Perp fact</p>"]
    assert subjects["Perpetrator"].opinions == ()
    assert [e.text_html for e in first.victim_view] == ["<p>Wants to stay</p>"]
    assert first.victim_view[0].agency == subjects["Victim"].facts[0].agency
    assert first.risk_summary.harm == "Harm & more"
    assert first.risk_summary.protective == "Family"
    assert second.subjects == () and second.victim_view == ()
    assert document.minutes_version == 1 and document.approved_at is None


def test_the_html_sanitiser_library_is_imported_only_by_the_sanitiser() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "marac_app"
    importers = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if re.search(r"^\s*(import|from)\s+(nh3|bleach)\b", p.read_text(), re.M)
    )
    assert importers == ["common/sanitize.py"]
    # nh3 replaced bleach (deprecated upstream): bleach is not a dependency any more.
    assert "bleach" not in (root.parent / "pyproject.toml").read_text()


@pytest.mark.parametrize(
    "stored",
    [
        "<p>a<br>b</p><p>c &amp; d</p>",
        "<p>&lt;script&gt;x</p>",
        "<p><strong>x</strong></p>",
        "<ul><li>one</li></ul>",
    ],
)
def test_editable_text_round_trips(stored: str) -> None:
    from marac_app.common.sanitize import editable_text

    assert sanitize_html(editable_text(stored)) == stored


def test_document_after_approval_carries_amendments_and_version(app, auth, mw, open_gate) -> None:
    open_gate()
    auth.sign_in_as(mw.chair)
    auth.post(mw.case_url(), entry_data(mw, "Original"), form_path="/")
    base = f"/minutes/meetings/{mw.meeting.id}"
    assert (
        auth.post(f"{base}/approve", approval_data(app, mw.meeting.id), form_path="/").status_code
        == 302
    )
    with app.app_context():
        entry_id = db.session.scalar(sa.select(MinuteEntry.id))
    assert (
        auth.post(
            f"{base}/entries/{entry_id}/amend", {"text": "Corrected", "reason": "Wrong <date>"}
        ).status_code
        == 302
    )
    with app.app_context():
        document = build_minutes_document(db.session.get(Meeting, mw.meeting.id))
    assert document.minutes_version == 2 and document.approved_at is not None
    [fact] = document.cases[0].subjects[0].facts
    assert fact.text_html.startswith("<p>Original</p>")
    assert "Wrong &lt;date&gt;" in fact.text_html and fact.text_html.endswith("<p>Corrected</p>")
