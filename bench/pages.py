"""Server time of the busiest pages on a small and on a large data set, and their ratio.

Run from the repository root, after seeding both data sets with ``bench/seed_large.py``:

    .venv/bin/python bench/pages.py --small URL --large URL [--requests 50]

Both data sets are measured in one process with the app's test client (server time only, no
network): it signs in through the real form as the coordinator, the chair, a representative
and the DPO of each seeded data set, warms each page up, then times ``--requests`` GETs of
each page on each data set, alternating small and large (a busy machine slows both alike).
Printed per page: median and 95th percentile on each data set, and the ratio large ÷ small
of the medians. Exit status 1 when a ratio exceeds 1.5 or a
95th percentile exceeds 150 ms (the targets of issue 8).

Pages: the live case list (attendance.run_meeting), the meeting's minutes page
(minutes.meeting_minutes), the live case page (minutes.case_minutes), "my agency's actions"
(action_items.index as a representative) and the representative's home page, the
coordinator's action list (action_items.index), audit search (audit_review.index, with and
without a filter) and the data return (reports.index, when that page exists).
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAX_RATIO = 1.5
MAX_P95_MS = 150.0
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def prepare(url: str) -> tuple[dict[str, tuple[Any, str]], Any]:
    """Signed-in test clients and the page paths for the database at ``url``."""
    import sqlalchemy as sa

    from bench.seed_large import BENCH_PASSWORD
    from marac_app import create_app
    from marac_app.extensions import db

    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        RATELIMIT_STORAGE_URI="memory://",
        JOBS_BACKEND="inline",
    )
    with app.app_context():
        area_id = db.session.scalar(
            sa.text("SELECT area_id FROM user_account WHERE email = 'coordinator1@bench.example'")
        )
        meeting_id = db.session.scalar(
            sa.text(
                "SELECT id FROM meeting WHERE area_id = :area AND starts_at < :now "
                "ORDER BY starts_at DESC LIMIT 1"
            ),
            {"area": area_id, "now": _now_for(db.engine.dialect.name)},
        )
        case_id = db.session.scalar(
            sa.text(
                "SELECT case_id FROM agenda_item WHERE meeting_id = :m ORDER BY position, id "
                "LIMIT 1 OFFSET 5"
            ),
            {"m": meeting_id},
        )
        db.session.remove()
    if meeting_id is None or case_id is None:
        raise SystemExit(f"{url}: no seeded meeting found; run bench/seed_large.py first")

    pages: list[tuple[str, str, str]] = [
        ("live case list (run_meeting)", "chair1", f"/meetings/{meeting_id}/run"),
        ("meeting minutes page", "chair1", f"/minutes/meetings/{meeting_id}"),
        ("live case page", "chair1", f"/minutes/meetings/{meeting_id}/cases/{case_id}"),
        ("my agency's actions (rep)", "rep1", "/actions/"),
        ("rep home page", "rep1", "/"),
        ("coordinator's action list", "coordinator1", "/actions/"),
        ("coordinator's overdue actions", "coordinator1", "/actions/?overdue=1"),
        ("audit search", "dpo", "/audit/"),
        ("audit search, one action", "dpo", "/audit/?action=minutes_case_viewed"),
    ]
    if "reports.index" in app.view_functions:
        pages.append(("data return", "coordinator1", "/reports/"))

    clients: dict[str, Any] = {}
    for who in sorted({who for _n, who, _p in pages}):
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = CSRF_RE.search(page)
        assert token, "no CSRF token on the sign-in page"
        response = client.post(
            "/sign-in",
            data={
                "csrf_token": token.group(1),
                "email": f"{who}@bench.example",
                "password": BENCH_PASSWORD,
            },
        )
        if response.status_code != 302:
            raise SystemExit(f"signing in as {who} failed ({response.status_code})")
        clients[who] = client
    prepared = {name: (clients[who], path) for name, who, path in pages}
    for name, (client, path) in prepared.items():
        for _ in range(3):  # warm-up: template compilation, first queries
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{name}: GET {path} answered {response.status_code}")
    return prepared, app


def measure(
    small_url: str, large_url: str, requests: int
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Time every page on both databases, alternating small and large requests (so a busy
    machine slows both alike); {page: {"median": ms, "p95": ms}} for each."""
    small_pages, _small_app = prepare(small_url)
    large_pages, _large_app = prepare(large_url)
    results: tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]] = ({}, {})
    for name in small_pages:
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(requests):
            for index, pages in enumerate((small_pages, large_pages)):
                client, path = pages[name]
                start = time.perf_counter()
                response = client.get(path)
                times[index].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (name, response.status_code)
        for index in (0, 1):
            results[index][name] = {
                "median": statistics.median(times[index]),
                "p95": _percentile(times[index], 0.95),
            }
    return results


def _now_for(dialect: str) -> Any:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", help="database URL of the small data set")
    parser.add_argument("--large", help="database URL of the large data set")
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per page")
    args = parser.parse_args()
    if not (args.small and args.large):
        parser.error("give --small and --large database URLs")
    logging.disable(logging.INFO)  # the audit log line of every request is not timed here
    small, large = measure(args.small, args.large, args.requests)
    dialect = args.large.split(":", 1)[0].split("+", 1)[0]
    print(f"Server time per page ({args.requests} requests each, {dialect}), milliseconds")
    header = (
        f"{'page':<32} {'small med':>9} {'small p95':>9} {'large med':>9} "
        f"{'large p95':>9} {'ratio':>6}  ok"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for name, s in small.items():
        big = large[name]
        ratio = big["median"] / s["median"]
        ok = ratio <= MAX_RATIO and s["p95"] <= MAX_P95_MS and big["p95"] <= MAX_P95_MS
        failed |= not ok
        print(
            f"{name:<32} {s['median']:9.1f} {s['p95']:9.1f} {big['median']:9.1f} "
            f"{big['p95']:9.1f} {ratio:6.2f}  {'yes' if ok else 'NO'}"
        )
    print(
        f"Targets: ratio large/small (medians) <= {MAX_RATIO}, every p95 <= {MAX_P95_MS:.0f} ms"
        f": {'met' if not failed else 'NOT met'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
