"""The one sanitiser for limited rich text (the only module that imports nh3, the binding to
the Rust crate Ammonia: bleach is deprecated upstream).

``sanitize_html`` runs ON WRITE for every rich-text field: only ``p, br, strong, em, ul, ol,
li`` survive, with no attributes; everything else is stripped (its text kept, escaped), and
the contents of ``script``, ``style``, ``iframe``, ``svg`` … elements are dropped whole.
Plain text with line breaks becomes paragraphs. ``html_to_text`` turns the stored HTML into
plain text for outputs that are not HTML (CSV, iCalendar, e-mail).
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li"})
# Elements whose content is never text a person meant to keep.
_DROP_WITH_CONTENT = re.compile(
    r"<\s*(script|style|iframe|svg|math|object|embed|template|noscript|textarea|title|xmp)"
    r"\b[^>]*>.*?<\s*/\s*\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
# What is left of those once the pairs are gone (an unclosed <style> or <svg>), and the MathML
# and SVG elements whose text the HTML parser would hide: the tags go, the text stays (the
# policy for every disallowed tag), so a stray one cannot swallow the rest of the text.
_LONE_TAG = re.compile(
    r"<\s*/?\s*(script|style|iframe|svg|math|object|embed|template|noscript|textarea|title|xmp"
    r"|plaintext|noembed|noframes|mi|mo|mn|ms|mtext|mglyph|malignmark|annotation-xml"
    r"|foreignobject|desc)\b[^>]*>",
    re.IGNORECASE,
)
_BLOCK = re.compile(r"<\s*(p|ul|ol|li)\b", re.IGNORECASE)
_NUL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={},
    url_schemes=set(),
    strip_comments=True,
    link_rel=None,
    # The elements dropped with their content are removed above (_DROP_WITH_CONTENT, until
    # nothing changes); here every other disallowed tag is stripped and its text kept.
    clean_content_tags=set(),
)
_text_only = nh3.Cleaner(tags=set(), attributes={}, strip_comments=True, link_rel=None)


def sanitize_html(text: str | None) -> str:
    """Limited, safe HTML from ``text`` (which may be plain text or HTML)."""
    value = _NUL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    previous = None
    while previous != value:  # nested tricks like <scr<script></script>ipt>
        previous = value
        value = _DROP_WITH_CONTENT.sub("", value)
    value = _LONE_TAG.sub("", value)
    cleaned = _cleaner.clean(value).strip()
    if not cleaned:
        return ""
    if _BLOCK.search(cleaned) is None:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cleaned) if p.strip()]
        cleaned = "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)
    return cleaned


_BREAKS = re.compile(r"<\s*br\s*/?>|<\s*/\s*(p|li|ul|ol)\s*>", re.IGNORECASE)
_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
# A paragraph or list starts on a line of its own (a blank line after the one before).
_OPEN_BLOCK = re.compile(r"<\s*(p|ul|ol)\b[^>]*>", re.IGNORECASE)


def html_to_text(value: str | None) -> str:
    """Plain text (no markup, entities decoded) from sanitised HTML, for non-HTML outputs."""
    if not value:
        return ""
    text = _ITEM.sub("- ", value)
    text = _BREAKS.sub("\n", text)
    text = _OPEN_BLOCK.sub("\n", text)
    text = _text_only.clean(text)
    text = html.unescape(text)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_blank(value: str | None) -> bool:
    """True when sanitised ``value`` has no visible text."""
    return not html_to_text(value).strip()


_FORMATTING = re.compile(r"<\s*(strong|em|ul|ol|li)\b|&lt;|&gt;", re.IGNORECASE)


def editable_text(value: str | None) -> str:
    """What to put back in a textarea for editing stored sanitised HTML: plain text when the
    HTML is only paragraphs and line breaks (it round-trips through ``sanitize_html``),
    otherwise the HTML itself so formatting is not lost."""
    if not value:
        return ""
    if _FORMATTING.search(value):
        return value
    return html_to_text(value)
