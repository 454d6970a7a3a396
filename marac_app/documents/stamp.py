"""Stamp a per-recipient copy of a master PDF without re-rendering it.

Every page gets two pieces of content drawn on top of the original, both marked as pagination
artifacts (``/Artifact BDC … EMC``) so the tagged structure of the master stays valid:

* a light diagonal watermark "<recipient> – <agency> – <document id>";
* a footer line "Issued to <name>, <agency>, <UTC time> · Document <id>".

The overlay is a hand-built content stream in Liberation Sans, embedded once per master as a
Type0 font with a ToUnicode map (``stamp_font.py``), so any recipient's name prints and reads
back exactly; the master's content streams, fonts, structure tree, ``/MarkInfo``, ``/Lang``,
title and XMP metadata are copied as they are. The recipient's name goes into the page content
only — never into the document metadata.
"""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime
from typing import cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from marac_app.documents.stamp_font import (
    BASE_FONT,
    stamp_font,
    to_unicode_cmap,
    widths_array,
)

FONT_KEY = "/MaracStampU"
GSTATE_KEY = "/MaracStampGS"
WATERMARK_OPACITY = 0.16
WATERMARK_MAX_SIZE = 30.0
FOOTER_SIZE = 7.0
# Each page of a stamp-ready master carries one uncompressed content stream of SLOT_SIZE bytes
# that starts with this comment; a copy overwrites it in place (same length, no offset moves).
# (A new marker with the embedded font: a master prepared with the old Helvetica stamp is
# prepared again when first stamped; its old slot stays blank.)
SLOT_MARKER = b"%MARAC-STAMP-SLOT-u2"
SLOT_SIZE = 4096


def pdf_string(text: str) -> bytes:
    """``text`` as the stamp font's glyph ids (a PDF hex string; characters the font lacks
    become their base letter, else "?")."""
    return stamp_font().encode(text)


def _num(value: float) -> bytes:
    return f"{value:.3f}".rstrip("0").rstrip(".").encode("ascii")


def overlay_stream(
    width: float, height: float, x0: float, y0: float, watermark: str, footer: str
) -> bytes:
    """The content-stream bytes drawing the watermark and the footer on a page of that size."""
    font = stamp_font()
    diagonal = math.hypot(width, height)
    angle = math.atan2(height, width)
    size = min(WATERMARK_MAX_SIZE, diagonal * 0.8 / max(font.width(watermark, 1.0), 1))
    text_width = font.width(watermark, size)
    cos, sin = math.cos(angle), math.sin(angle)
    # Start point: the centre of the page, moved back half the text width along the diagonal
    # and down half the cap height perpendicular to it.
    cx, cy = x0 + width / 2, y0 + height / 2
    half, rise = text_width / 2, size * 0.35
    tx = cx - half * cos + rise * sin
    ty = cy - half * sin - rise * cos
    footer_size = FOOTER_SIZE
    if font.width(footer, footer_size) > width - 40:
        footer_size = max(4.0, (width - 40) / max(font.width(footer, 1.0), 1))
    parts = [
        b"q",
        b"/Artifact <</Type /Pagination /Subtype /Watermark>> BDC",
        GSTATE_KEY.encode() + b" gs 0.35 g",
        b"BT " + FONT_KEY.encode() + b" " + _num(size) + b" Tf",
        b" ".join(_num(v) for v in (cos, sin, -sin, cos, tx, ty)) + b" Tm",
        pdf_string(watermark) + b" Tj ET",
        b"EMC Q",
        b"q",
        b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC",
        b"0.25 g BT " + FONT_KEY.encode() + b" " + _num(footer_size) + b" Tf",
        _num(x0 + 20) + b" " + _num(y0 + 12) + b" Td",
        pdf_string(footer) + b" Tj ET",
        b"EMC Q",
    ]
    return b"\n".join(parts)


def stamp_texts(
    *, recipient_name: str, agency_name: str, issued_at: datetime, document_id: str
) -> tuple[str, str]:
    """The watermark and footer texts for one copy (issued_at printed in UTC)."""
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    when = issued_at.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")
    watermark = f"{recipient_name} – {agency_name} – {document_id}"
    footer = f"Issued to {recipient_name}, {agency_name}, {when} · Document {document_id}"
    return watermark, footer


def _resources(page: DictionaryObject) -> DictionaryObject:
    """The page's own resource dictionary (inherited resources are copied onto the page)."""
    if "/Resources" not in page:
        inherited = page.get_inherited("/Resources", None)
        page[NameObject("/Resources")] = (
            DictionaryObject(inherited.get_object())
            if inherited is not None
            else DictionaryObject()
        )
    return cast(DictionaryObject, page["/Resources"].get_object())


def _sub(resources: DictionaryObject, key: str) -> DictionaryObject:
    if key not in resources:
        resources[NameObject(key)] = DictionaryObject()
    return cast(DictionaryObject, resources[key].get_object())


def _slot(dims: tuple[float, float, float, float]) -> bytes:
    header = SLOT_MARKER + b" " + b" ".join(_num(v) for v in dims) + b"\n"
    return header + b" " * (SLOT_SIZE - len(header))


def _stream(writer: PdfWriter, data: bytes, **entries: PdfObject) -> IndirectObject:
    stream = StreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[NameObject("/" + key)] = value
    return writer._add_object(stream.flate_encode())


def _embed_font(writer: PdfWriter) -> IndirectObject:
    """The stamp font as a Type0 font (CIDFontType2, Identity-H, CID = glyph id) with the
    subset TrueType file, every glyph's width and a ToUnicode map."""
    font = stamp_font()
    name = NameObject("/" + BASE_FONT)
    descriptor = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/FontDescriptor"),
                NameObject("/FontName"): name,
                NameObject("/Flags"): NumberObject(32),  # non-symbolic
                NameObject("/FontBBox"): ArrayObject(NumberObject(v) for v in font.bbox),
                NameObject("/ItalicAngle"): NumberObject(0),
                NameObject("/Ascent"): NumberObject(font.ascent),
                NameObject("/Descent"): NumberObject(font.descent),
                NameObject("/CapHeight"): NumberObject(font.cap_height),
                NameObject("/StemV"): NumberObject(80),
                NameObject("/FontFile2"): _stream(
                    writer, font.data, Length1=NumberObject(len(font.data))
                ),
            }
        )
    )
    start, advances = widths_array(font)
    cid_font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/CIDFontType2"),
                NameObject("/BaseFont"): name,
                NameObject("/CIDSystemInfo"): DictionaryObject(
                    {
                        NameObject("/Registry"): TextStringObject("Adobe"),
                        NameObject("/Ordering"): TextStringObject("Identity"),
                        NameObject("/Supplement"): NumberObject(0),
                    }
                ),
                NameObject("/FontDescriptor"): descriptor,
                NameObject("/CIDToGIDMap"): NameObject("/Identity"),
                NameObject("/DW"): NumberObject(500),
                NameObject("/W"): ArrayObject(
                    [
                        NumberObject(cast(int, start)),
                        ArrayObject(NumberObject(v) for v in cast(list[int], advances)),
                    ]
                ),
            }
        )
    )
    return writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type0"),
                NameObject("/BaseFont"): name,
                NameObject("/Encoding"): NameObject("/Identity-H"),
                NameObject("/DescendantFonts"): ArrayObject([cid_font]),
                NameObject("/ToUnicode"): _stream(writer, to_unicode_cmap(font)),
            }
        )
    )


def prepare_master(master_pdf: bytes) -> bytes:
    """Make a rendered PDF stamp-ready (done once per master, before caching it).

    Every page gets the stamp font and graphics state in its resources, its original content
    wrapped in ``q … Q``, and one uncompressed content stream of exactly ``SLOT_SIZE`` bytes
    that holds only a comment and spaces (draws nothing). ``stamp_copy`` later overwrites each
    slot in place with the recipient's overlay padded to the same length, so no offset in the
    file moves and a copy costs a byte splice, not a re-render or a re-write. The structure
    tree, ``/MarkInfo``, ``/Lang``, title and XMP metadata are kept. Idempotent.
    """
    if SLOT_MARKER in master_pdf:
        return master_pdf
    source = PdfReader(io.BytesIO(master_pdf))
    writer = PdfWriter(clone_from=source)
    writer.pdf_header = source.pdf_header  # keep %PDF-1.7 (PDF/UA-1), not pypdf's default 1.3
    font = _embed_font(writer)
    gstate = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/ExtGState"),
                NameObject("/ca"): FloatObject(WATERMARK_OPACITY),
                NameObject("/CA"): FloatObject(WATERMARK_OPACITY),
            }
        )
    )
    save = DecodedStreamObject()
    save.set_data(b"q\n")
    save_ref = writer._add_object(save)
    for page in writer.pages:
        box = page.mediabox
        dims = (float(box.width), float(box.height), float(box.left), float(box.bottom))
        slot = DecodedStreamObject()
        slot.set_data(_slot(dims))
        resources = _resources(page)
        _sub(resources, "/Font")[NameObject(FONT_KEY)] = font
        _sub(resources, "/ExtGState")[NameObject(GSTATE_KEY)] = gstate
        contents = page.get("/Contents")
        if contents is None:
            existing = ArrayObject()
        elif isinstance(contents.get_object(), ArrayObject):
            existing = ArrayObject(contents.get_object())
        else:
            existing = ArrayObject(
                [contents if isinstance(contents, IndirectObject) else writer._add_object(contents)]
            )
        page[NameObject("/Contents")] = ArrayObject([save_ref, *existing, writer._add_object(slot)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_SLOT_RE = re.compile(re.escape(SLOT_MARKER) + rb" ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)\n")


def stamp_copy(
    master_pdf: bytes,
    *,
    recipient_name: str,
    agency_name: str,
    issued_at: datetime,
    document_id: str,
) -> bytes:
    """A copy of ``master_pdf`` with the recipient's watermark and footer on every page.

    The master is never re-rendered. A stamp-ready master (``prepare_master``, which the master
    cache applies) is stamped by overwriting each page's slot in place; any other PDF is
    prepared first (slower). Raises ``ValueError`` for a naive ``issued_at`` or a stamp too long
    for its slot.
    """
    watermark, footer = stamp_texts(
        recipient_name=recipient_name,
        agency_name=agency_name,
        issued_at=issued_at,
        document_id=document_id,
    )
    prepared = prepare_master(master_pdf)
    pieces: list[bytes] = []
    position = 0
    cache: dict[bytes, bytes] = {}
    for match in _SLOT_RE.finditer(prepared):
        key = match.group(0)
        if key not in cache:
            width, height, x0, y0 = (float(v) for v in match.groups())
            overlay = b"Q\n" + overlay_stream(width, height, x0, y0, watermark, footer) + b"\n"
            if len(overlay) > SLOT_SIZE:
                raise ValueError("stamp text too long for the page slot")
            cache[key] = overlay + b" " * (SLOT_SIZE - len(overlay))
        pieces.append(prepared[position : match.start()])
        pieces.append(cache[key])
        position = match.start() + SLOT_SIZE
    if not pieces:
        raise ValueError("the master PDF has no pages to stamp")
    pieces.append(prepared[position:])
    return b"".join(pieces)
