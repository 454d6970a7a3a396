"""Benchmark the restricted minutes PDF: master render, plain WeasyPrint, stamping, memory.

Run from the repository root:  .venv/bin/python bench/pdf_minutes.py [--runs N]

The minutes data model has no DB-backed builder yet, so the 30-case meeting (10 entries and
5 actions per case) is built directly as ``MinutesDocument`` dataclasses with fictional text
(``marac_app.distribution.sample.sample_minutes``). Switch to the minutes feature's builder when
it exists; the PDF engine only ever sees the dataclasses either way.

Exit status 1 if the render/plain ratio exceeds 1.2 or the median stamp time exceeds 50 ms.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from marac_app.distribution.pdf import minutes_html, render_minutes_pdf  # noqa: E402
from marac_app.distribution.sample import sample_minutes  # noqa: E402
from marac_app.distribution.stamp import prepare_master, stamp_copy  # noqa: E402

MAX_RATIO = 1.2
MAX_STAMP_MS = 50.0
COPIES = 40


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3,
                        help="renders of each kind (alternating; the median is reported)")
    args = parser.parse_args()

    doc = sample_minutes(cases=30, entries_per_case=10, actions_per_case=5)
    html = minutes_html(doc)
    entries = sum(len(s.facts) + len(s.opinions) for c in doc.cases for s in c.subjects) + sum(
        len(c.victim_view) for c in doc.cases)
    actions = sum(len(c.actions) for c in doc.cases)

    # Warm-up: font discovery and module imports happen once per process; keep them out of
    # both measurements so the comparison is like for like.
    HTML(string="<p>warm-up</p>").write_pdf()

    restricted_times, plain_times = [], []
    master = b""
    for _ in range(max(args.runs, 1)):
        elapsed, master = timed(lambda: render_minutes_pdf(doc))
        restricted_times.append(elapsed)
        elapsed, _plain = timed(lambda: HTML(string=html).write_pdf())
        plain_times.append(elapsed)
    restricted = statistics.median(restricted_times)
    plain = statistics.median(plain_times)
    ratio = restricted / plain

    prepare_time, prepared = timed(lambda: prepare_master(master))
    stamp_times = []
    for n in range(COPIES):
        elapsed, _copy = timed(lambda n=n: stamp_copy(
            prepared, recipient_name=f"Recipient {n}", agency_name="Housing Options",
            issued_at=datetime.now(UTC), document_id=f"00000000-0000-4000-8000-{n:012d}"))
        stamp_times.append(elapsed)
    stamp_median_ms = statistics.median(stamp_times) * 1000

    pages = len(PdfReader(io.BytesIO(master)).pages)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    print(f"document: {len(doc.cases)} cases, {entries} entries, {actions} actions, "
          f"{pages} pages, master {len(master) / 1024:.0f} KiB "
          f"(stamp-ready {len(prepared) / 1024:.0f} KiB)")
    print(f"master render (render_minutes_pdf, pdf/ua-1, restricted fetcher): "
          f"{restricted:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in restricted_times)})")
    print(f"plain WeasyPrint (same HTML, default fetcher, no variant):        "
          f"{plain:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in plain_times)})")
    print(f"ratio restricted/plain: {ratio:.2f}  (limit {MAX_RATIO})  "
          f"{'OK' if ratio <= MAX_RATIO else 'FAIL'}")
    print(f"prepare master for stamping (once per master, cached): {prepare_time * 1000:.0f} ms")
    print(f"stamp one copy, median of {COPIES}: {stamp_median_ms:.2f} ms "
          f"(min {min(stamp_times) * 1000:.2f}, max {max(stamp_times) * 1000:.2f}; "
          f"target {MAX_STAMP_MS:.0f} ms)  {'OK' if stamp_median_ms <= MAX_STAMP_MS else 'FAIL'}")
    print(f"peak memory (ru_maxrss): {peak_mib:.0f} MiB")
    return 0 if ratio <= MAX_RATIO and stamp_median_ms <= MAX_STAMP_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
