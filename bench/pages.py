"""Server time of the busiest pages on a small and on a large data set, and their ratio.

Run from the repository root, after seeding both data sets with ``bench/seed_large.py``:

    .venv/bin/python bench/pages.py --small URL --large URL [--requests 50]

Each data set is measured in its own process with the app's test client (server time only,
no network): it signs in through the real form as the coordinator, the chair, a
representative and the DPO of the seeded data, warms each page up, then times
``--requests`` GETs of each page. Printed per page: median and 95th percentile on each data
set, and the ratio large ÷ small of the medians. Exit status 1 when a ratio exceeds 1.5 or a
95th percentile exceeds 150 ms (the targets of issue 8).

Pages: the live case list (attendance.run_meeting), the meeting's minutes page
(minutes.meeting_minutes), the live case page (minutes.case_minutes), "my agency's actions"
(action_items.index as a representative) and the representative's home page, the
coordinator's action list (action_items.index), audit search (audit_review.index, with and
without a filter) and the data return (reports.index, when that page exists).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
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


def measure(url: str, requests: int) -> dict[str, dict[str, float]]:
    """Time every page on the database at ``url``; {page: {"median": ms, "p95": ms}}."""
    import sqlalchemy as sa

    from bench.seed_large import BENCH_PASSWORD
    from marac_app import create_app
    from marac_app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url,
                     RATELIMIT_STORAGE_URI="memory://", JOBS_BACKEND="inline")
    with app.app_context():
        area_id = db.session.scalar(sa.text(
            "SELECT area_id FROM user_account WHERE email = 'coordinator1@bench.example'"))
        meeting_id = db.session.scalar(sa.text(
            "SELECT id FROM meeting WHERE area_id = :area AND starts_at < :now "
            "ORDER BY starts_at DESC LIMIT 1"), {"area": area_id,
                                                 "now": _now_for(db.engine.dialect.name)})
        case_id = db.session.scalar(sa.text(
            "SELECT case_id FROM agenda_item WHERE meeting_id = :m ORDER BY position, id "
            "LIMIT 1 OFFSET 5"), {"m": meeting_id})
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
    for who in {who for _n, who, _p in pages}:
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = CSRF_RE.search(page)
        assert token, "no CSRF token on the sign-in page"
        response = client.post("/sign-in", data={
            "csrf_token": token.group(1), "email": f"{who}@bench.example",
            "password": BENCH_PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"signing in as {who} failed ({response.status_code})")
        clients[who] = client

    results: dict[str, dict[str, float]] = {}
    for name, who, path in pages:
        client = clients[who]
        for _ in range(3):  # warm-up: template compilation, first queries
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{name}: GET {path} answered {response.status_code}")
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        results[name] = {"median": statistics.median(times), "p95": _percentile(times, 0.95)}
    return results


def _now_for(dialect: str) -> Any:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else now


def _run_child(url: str, requests: int) -> dict[str, dict[str, float]]:
    output = subprocess.run(  # noqa: S603 - this script, with our own arguments
        [sys.executable, __file__, "--measure", url, "--requests", str(requests)],
        check=True, capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "MARAC_LOG_LEVEL": "WARNING"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", help="database URL of the small data set")
    parser.add_argument("--large", help="database URL of the large data set")
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per page")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.requests)))
        return 0
    if not (args.small and args.large):
        parser.error("give --small and --large database URLs")
    small = _run_child(args.small, args.requests)
    large = _run_child(args.large, args.requests)
    dialect = args.large.split(":", 1)[0].split("+", 1)[0]
    print(f"Server time per page ({args.requests} requests each, {dialect}), milliseconds")
    header = (f"{'page':<32} {'small med':>9} {'small p95':>9} {'large med':>9} "
              f"{'large p95':>9} {'ratio':>6}  ok")
    print(header)
    print("-" * len(header))
    failed = False
    for name, s in small.items():
        big = large[name]
        ratio = big["median"] / s["median"]
        ok = ratio <= MAX_RATIO and s["p95"] <= MAX_P95_MS and big["p95"] <= MAX_P95_MS
        failed |= not ok
        print(f"{name:<32} {s['median']:9.1f} {s['p95']:9.1f} {big['median']:9.1f} "
              f"{big['p95']:9.1f} {ratio:6.2f}  {'yes' if ok else 'NO'}")
    print(f"Targets: ratio large/small (medians) <= {MAX_RATIO}, every p95 <= {MAX_P95_MS:.0f} ms"
          f": {'met' if not failed else 'NOT met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
