"""The font the stamp is drawn in: DejaVu Sans (the master's fallback font), embedded.

A copy's watermark and "Issued to …" footer name a person, and names are written in every
script: "Łukasz Żółć-Nguyễn" printed as "?ukasz Zó?c-Nguyen" in the standard Helvetica the
stamp used to declare (never embedded, so the copies also broke PDF/UA-1's font rule).

DejaVu Sans rather than the master's first font, Liberation Sans: Debian's Liberation 1.07
has no Vietnamese letters ("ễ"), DejaVu has every Latin, Greek and Cyrillic letter a name
needs. The font is subset once per process to the Latin (with Vietnamese), Greek and Cyrillic
blocks and the punctuation a stamp uses, and embedded once per master as a Type0 font
(CIDFontType2, Identity-H, CID = glyph id) with widths and a ToUnicode map, so text
extraction and screen readers read the name exactly. Stamping a copy then only maps the
texts to glyph ids (``encode``) and measures them (``width``): no font work per copy.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONT_FILES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),)
# Subset tag (six capitals, PDF 32000 9.6.4) and the PostScript name in the PDF.
BASE_FONT = "MARACS+DejaVuSans"
RANGES = (
    (0x0020, 0x024F),  # Basic Latin, Latin-1, Latin Extended-A and -B
    (0x0300, 0x036F),  # combining marks
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic and its supplement
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x00B7, 0x00B7),  # middle dot
)


@dataclass(frozen=True)
class StampFont:
    """The subset font: its file, metrics, and the glyph for each character it has."""

    data: bytes
    glyphs: dict[int, int]  # code point -> glyph id
    advances: dict[int, int]  # glyph id -> advance width in 1/1000 em
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    missing_glyph: int

    def glyph_of(self, char: str) -> int:
        """The glyph for ``char``; else for its base letter; else ``?``."""
        found = self.glyphs.get(ord(char))
        if found is not None:
            return found
        base = [c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)]
        if len(base) == 1 and ord(base[0]) in self.glyphs:
            return self.glyphs[ord(base[0])]
        return self.missing_glyph

    def encode(self, text: str) -> bytes:
        """``text`` as a PDF hex string of two-byte glyph ids (for Identity-H)."""
        return b"<" + "".join(f"{self.glyph_of(c):04X}" for c in text).encode("ascii") + b">"

    def width(self, text: str, size: float) -> float:
        """The width of ``text`` at ``size`` points."""
        return sum(self.advances.get(self.glyph_of(c), 500) for c in text) * size / 1000


def _font_file() -> Path:
    for path in FONT_FILES:
        if path.exists():
            return path
    raise RuntimeError(
        "DejaVu Sans is not installed (Debian package fonts-dejavu-core, in make's "
        "APT_PACKAGES): stamped copies cannot be made"
    )


@cache
def stamp_font() -> StampFont:
    """The subset font, built once per process (deterministic: the same glyph ids each time,
    so a master prepared by one process is stamped correctly by another)."""
    # fontTools reports each table it leaves out (FFTM…) as a warning: not news here.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(_font_file())
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for low, high in RANGES for u in range(low, high + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = out.getvalue()
    font = TTFont(io.BytesIO(data))
    scale = 1000 / font["head"].unitsPerEm
    order = font.getGlyphOrder()
    ids = {name: index for index, name in enumerate(order)}
    glyphs = {code: ids[name] for code, name in font.getBestCmap().items() if name in ids}
    metrics = font["hmtx"].metrics
    advances = {ids[name]: round(metrics[name][0] * scale) for name in order}
    head, os2 = font["head"], font["OS/2"]
    bbox = tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    return StampFont(
        data=data,
        glyphs=glyphs,
        advances=advances,
        bbox=(bbox[0], bbox[1], bbox[2], bbox[3]),
        ascent=round(os2.sTypoAscender * scale),
        descent=round(os2.sTypoDescender * scale),
        cap_height=round(getattr(os2, "sCapHeight", 0) * scale) or 700,
        missing_glyph=glyphs.get(ord("?"), 0),
    )


def to_unicode_cmap(font: StampFont) -> bytes:
    """The ToUnicode CMap: each glyph id back to its character (the first one that maps to it),
    so copying or extracting the stamp gives the text that was stamped."""
    first: dict[int, int] = {}
    for code, glyph in sorted(font.glyphs.items()):
        first.setdefault(glyph, code)
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    pairs = sorted(first.items())
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar".encode("ascii"))
        for glyph, code in chunk:
            utf16 = chr(code).encode("utf-16-be").hex().upper()
            lines.append(f"<{glyph:04X}> <{utf16}>".encode("ascii"))
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def widths_array(font: StampFont) -> list[int | list[int]]:
    """The CIDFont ``/W`` array: one run from glyph 0 of every advance width."""
    count = max(font.advances) + 1
    return [0, [font.advances.get(glyph, 0) for glyph in range(count)]]
