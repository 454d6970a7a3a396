"""Generate a large, realistic (fictional) data set quickly: ten years of one county's MARACs.

Run from the repository root:

    .venv/bin/python bench/seed_large.py [--database-url URL] [--scale 1.0] [--reset]

Full scale (1.0): 3 areas × 10 years × 26 meetings × 40 cases (31,200 cases, each with a
referral, a victim, a perpetrator and 0–3 children, an agenda item and a risk summary), 10
minute entries and 5 actions per case (closed actions carry their status update), 600 users,
invitations, attendance, confidentiality acknowledgements, approved minutes for past meetings
and ~2 million audit events with a valid hash chain (computed here, as ``marac_app.audit``
does). ``--scale 0.02`` makes a small data set of the same shape (40 cases per meeting, fewer
meetings, users and audit events).

The schema is created by the real migrations (``flask db upgrade``) first. Rows are written
with the driver's bulk paths: ``executemany`` on SQLite, ``COPY`` on PostgreSQL, with
explicit ids (PostgreSQL sequences are moved past them at the end). The database must be
empty of cases (``--reset`` empties it first). Every person, text and address is invented.

Signing in afterwards: every user's password is ``BENCH_PASSWORD`` below; e.g.
``coordinator1@bench.example`` (area 1), ``chair1@bench.example``, ``rep1@bench.example``
(agency 1), ``dpo@bench.example``, ``admin@bench.example``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

BENCH_PASSWORD = "bench horse battery staple"  # noqa: S105 - fictional test data
DEFAULT_URL = f"sqlite:///{ROOT / 'instance' / 'bench' / 'large.sqlite3'}"

AREAS = [("Northshire (bench)", "NSH"), ("Eastmoor (bench)", "EMR"), ("Westfen (bench)", "WFN")]
AGENCY_KINDS = [
    "police",
    "idva",
    "childrens_social_care",
    "adult_social_care",
    "primary_care",
    "acute_trust",
    "mental_health",
    "midwifery_health_visiting",
    "housing",
    "probation",
    "education",
    "substance_misuse",
    "specialist_service",
    "fire_service",
    "other",
    "housing",
    "police",
    "idva",
    "education",
    "other",
]
FIRST = [
    "Alex",
    "Sam",
    "Jo",
    "Chris",
    "Pat",
    "Robin",
    "Kim",
    "Lee",
    "Morgan",
    "Taylor",
    "Jamie",
    "Casey",
    "Avery",
    "Riley",
    "Jordan",
    "Drew",
    "Quinn",
    "Rowan",
    "Sky",
    "Ash",
]
LAST = [
    "Ashdown",
    "Birchall",
    "Carrow",
    "Dunmore",
    "Elstow",
    "Farrant",
    "Gedney",
    "Hallam",
    "Ivesley",
    "Jessop",
    "Kettle",
    "Lark",
    "Moreton",
    "Nayland",
    "Oakes",
    "Penrose",
    "Quarry",
    "Rudd",
    "Stanway",
    "Thorley",
    "Upwood",
    "Vane",
    "Wragby",
    "Yaxley",
]
AUDIT_ACTIONS = [
    ("minutes_case_viewed", "case"),
    ("case_viewed", "case"),
    ("action_list_viewed", "action"),
    ("action_viewed", "action"),
    ("referral_viewed", "referral"),
    ("meeting_case_list_viewed", "meeting"),
    ("minutes_meeting_viewed", "meeting"),
    ("sign_in", "user"),
    ("sign_out", "user"),
    ("minute_entry_added", "minute_entry"),
    ("action_status_updated", "action"),
    ("audit_search", None),
]
TEXT = (
    "<p>Fictional benchmark text: agency contact since the last meeting, the safety plan "
    "reviewed with the IDVA, and the agreed next steps recorded for the minutes.</p>"
)

# Full-scale sizes.
YEARS = 10
MEETINGS_PER_YEAR = 26
CASES_PER_MEETING = 40
ENTRIES_PER_CASE = 10
ACTIONS_PER_CASE = 5
USERS = 600
AUDIT_EVENTS = 2_000_000
PRESENT_PER_MEETING = 8
# Actions agreed at meetings in the last six weeks are still open; older ones are closed (the
# same in a small and a large data set, so pages listing open actions compare like for like).
OPEN_ACTION_DAYS = 42


class Writer:
    """Bulk-writes rows (tuples in column order) to one table; times every table."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.timings: list[tuple[str, int, float]] = []
        if self.dialect == "sqlite":
            cursor = self.raw.cursor()
            # Bulk load only: durability comes back with the next normal connection.
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-200000")
            cursor.close()

    def _convert(self, value: Any) -> Any:
        if self.dialect == "sqlite":
            if isinstance(value, datetime):
                return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, bool):
                return int(value)
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    def write(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], batch: int = 20_000
    ) -> int:
        start = time.perf_counter()
        count = 0
        cursor = self.raw.cursor()
        if self.dialect == "sqlite":
            # The app's connect hook puts pysqlite in autocommit mode: one transaction per
            # table, not one per row.
            cursor.execute("BEGIN")
        if self.dialect == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([self._convert(v) if isinstance(v, dict) else v for v in row])
                    count += 1
        else:
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our names
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            chunk: list[tuple[Any, ...]] = []
            for row in rows:
                chunk.append(tuple(self._convert(v) for v in row))
                if len(chunk) >= batch:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                count += len(chunk)
            cursor.execute("COMMIT")
        cursor.close()
        self.raw.commit()
        elapsed = time.perf_counter() - start
        self.timings.append((table, count, elapsed))
        print(f"  {table:<32} {count:>10,} rows {elapsed:8.1f} s", flush=True)
        return count

    def fix_sequences(self, tables: Iterable[str]) -> None:
        if self.dialect != "postgresql":
            return
        cursor = self.raw.cursor()
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        cursor.close()
        self.raw.commit()

    def close(self) -> None:
        # Planner statistics for the new rows (both databases).
        cursor = self.raw.cursor()
        cursor.execute("ANALYZE")
        cursor.close()
        self.raw.commit()
        self.raw.close()


def reset(url: str) -> None:
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from marac_app import create_app

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        from marac_app.extensions import db

        db.engine.dispose()


def seed(url: str, scale: float, seed_value: int = 8) -> dict[str, Any]:
    from marac_app.audit import CHAIN_FIELDS, GENESIS_HASH, _canonical_time
    from marac_app.auth.passwords import hash_password
    from marac_app.referrals.people import normalise_name

    rng = random.Random(seed_value)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        if connection.scalar(sa.text("SELECT count(*) FROM marac_case")):
            raise SystemExit("The database already has cases: run with --reset to empty it.")
        statement_row = connection.execute(
            sa.text(
                "SELECT id, version_number FROM confidentiality_statement "
                "ORDER BY version_number DESC LIMIT 1"
            )
        ).first()
        max_ids = {
            t: connection.scalar(sa.text(f"SELECT COALESCE(max(id), 0) FROM {t}"))  # noqa: S608
            for t in (
                "marac_area",
                "agency",
                "user_account",
                "protocol_version",
                "protocol_signature",
                "audit_event",
            )
        }
    engine.dispose()
    writer = Writer(sa.create_engine(url))
    w = writer.write
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()

    # At least 16 fortnightly meetings (seven months): even the small set has a whole last
    # quarter, so per-quarter pages (the data return) compare like with like; only the years
    # of history before it shrink.
    meetings_per_area = max(16, round(YEARS * MEETINGS_PER_YEAR * scale))
    users_total = max(40, round(USERS * scale))
    audit_total = max(2000, round(AUDIT_EVENTS * scale))

    # --- Areas, agencies, users, protocol --------------------------------------------------
    area_ids = [max_ids["marac_area"] + i + 1 for i in range(len(AREAS))]
    w(
        "marac_area",
        ["id", "name", "code", "active", "created_at"],
        [(aid, name, code, True, now) for aid, (name, code) in zip(area_ids, AREAS, strict=True)],
    )
    agency_ids = [max_ids["agency"] + i + 1 for i in range(len(AGENCY_KINDS))]
    w(
        "agency",
        ["id", "name", "kind", "active", "created_at"],
        [
            (aid, f"Bench {kind.replace('_', ' ')} service {n + 1}", kind, True, now)
            for n, (aid, kind) in enumerate(zip(agency_ids, AGENCY_KINDS, strict=True))
        ],
    )
    w("agency_area", ["agency_id", "area_id"], [(ag, ar) for ag in agency_ids for ar in area_ids])
    version_id = max_ids["protocol_version"] + 1
    w(
        "protocol_version",
        ["id", "title", "version_label", "effective_date", "text", "grace_days", "created_at"],
        [
            (
                version_id,
                "Bench information-sharing protocol",
                f"bench-{version_id}",
                today - timedelta(days=365 * YEARS + 30),
                "Fictional protocol text.",
                30,
                now,
            )
        ],
    )
    w(
        "protocol_signature",
        [
            "id",
            "agency_id",
            "protocol_version_id",
            "signatory_name",
            "signatory_job_title",
            "signed_on",
            "review_due_on",
            "created_at",
            "version",
        ],
        [
            (
                max_ids["protocol_signature"] + n,
                ag,
                version_id,
                "A. Signatory",
                "Head of Safeguarding",
                today - timedelta(days=365 * YEARS),
                today + timedelta(days=365),
                now,
                1,
            )
            for n, ag in enumerate(agency_ids, start=1)
        ],
    )

    password_hash = hash_password(BENCH_PASSWORD)
    uid = iter(range(max_ids["user_account"] + 1, 10**9))
    users: list[tuple[Any, ...]] = []
    coordinators: dict[int, int] = {}
    chairs: dict[int, int] = {}
    reps_by_agency: dict[int, list[int]] = {ag: [] for ag in agency_ids}

    def user(email: str, role: str, agency: int | None, area: int | None) -> int:
        n = next(uid)
        name = f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}"
        users.append(
            (n, email, name, "Officer", role, agency, area, password_hash, True, now, now, 1)
        )
        return n

    for i, area in enumerate(area_ids, start=1):
        coordinators[area] = user(
            f"coordinator{i}@bench.example", "coordinator", agency_ids[1], area
        )
        chairs[area] = user(f"chair{i}@bench.example", "chair", agency_ids[0], area)
    user("dpo@bench.example", "dpo", None, None)
    user("admin@bench.example", "admin", None, None)
    for r in range(1, users_total - len(users) + 1):
        agency = agency_ids[(r - 1) % len(agency_ids)]
        reps_by_agency[agency].append(user(f"rep{r}@bench.example", "agency_rep", agency, None))
    w(
        "user_account",
        [
            "id",
            "email",
            "name",
            "job_title",
            "role",
            "agency_id",
            "area_id",
            "password_hash",
            "active",
            "created_at",
            "password_changed_at",
            "version",
        ],
        users,
    )
    user_ids = [u[0] for u in users]

    # --- Meetings (every two weeks, the last one a few days ago) ---------------------------
    meetings: list[tuple[int, int, datetime]] = []  # (id, area, starts_at)
    first_start = datetime.combine(
        today - timedelta(days=3), datetime.min.time(), tzinfo=UTC
    ).replace(hour=9)
    mid = 0
    for area in area_ids:
        for k in range(meetings_per_area):
            mid += 1
            meetings.append(
                (mid, area, first_start - timedelta(days=14 * (meetings_per_area - 1 - k)))
            )
    w(
        "meeting",
        [
            "id",
            "area_id",
            "kind",
            "status",
            "starts_at",
            "ends_at",
            "venue",
            "chair_id",
            "ical_uid",
            "ical_sequence",
            "created_at",
            "updated_at",
            "version",
        ],
        (
            (
                m,
                area,
                "regular",
                "scheduled",
                starts,
                starts + timedelta(hours=3),
                "Bench venue, Room 1",
                chairs[area],
                f"bench-{m}@marac-manager",
                0,
                starts,
                starts,
                1,
            )
            for m, area, starts in meetings
        ),
    )
    invited: dict[int, list[int]] = {}
    invitation_rows: list[tuple[Any, ...]] = []
    iid = 0
    for m, _area, starts in meetings:
        people = [
            reps_by_agency[ag][m % len(reps_by_agency[ag])]
            for ag in agency_ids
            if reps_by_agency[ag]
        ]
        invited[m] = people
        for person in people:
            iid += 1
            invitation_rows.append((iid, m, person, None, starts - timedelta(days=10), 0))
    rep_agency = {u: ag for ag, reps in reps_by_agency.items() for u in reps}
    w(
        "invitation",
        ["id", "meeting_id", "user_id", "agency_id", "invited_at", "last_sent_sequence"],
        ((i, m, person, rep_agency[person], at, s) for i, m, person, _a, at, s in invitation_rows),
    )
    statement_id, statement_version = statement_row
    w(
        "meeting_opening",
        ["id", "meeting_id", "statement_id", "statement_version", "read_by_id", "read_at"],
        (
            (m, m, statement_id, statement_version, chairs[area], starts)
            for m, area, starts in meetings
        ),
    )
    attendance_rows = []
    ack_rows = []
    aid_counter = 0
    for m, area, starts in meetings:
        for person in invited[m][:PRESENT_PER_MEETING]:
            aid_counter += 1
            attendance_rows.append(
                (
                    aid_counter,
                    m,
                    person,
                    f"Attendee {person}",
                    rep_agency[person],
                    "present",
                    chairs[area],
                    starts,
                    starts,
                )
            )
            ack_rows.append(
                (
                    aid_counter,
                    m,
                    aid_counter,
                    statement_id,
                    statement_version,
                    starts,
                    "recorded_by_chair",
                    chairs[area],
                )
            )
    w(
        "meeting_attendance",
        [
            "id",
            "meeting_id",
            "user_id",
            "name",
            "agency_id",
            "status",
            "recorded_by_id",
            "recorded_at",
            "created_at",
        ],
        attendance_rows,
    )
    w(
        "confidentiality_acknowledgement",
        [
            "id",
            "meeting_id",
            "attendance_id",
            "statement_id",
            "statement_version",
            "acknowledged_at",
            "method",
            "recorded_by_id",
        ],
        ack_rows,
    )
    w(
        "minutes_approval",
        ["id", "meeting_id", "approved_by_id", "approved_at", "minutes_version"],
        (
            (m, m, chairs[area], starts + timedelta(days=2), 1)
            for m, area, starts in meetings
            if starts + timedelta(days=2) < now
        ),
    )

    # --- Cases, referrals, people, agenda items, risk summaries ----------------------------
    codes = dict(zip(area_ids, [c for _n, c in AREAS], strict=True))
    case_rows, referral_rows, item_rows, summary_rows = [], [], [], []
    case_meta: list[tuple[int, int, int, datetime]] = []  # (case/item id, meeting, area, starts)
    per_year: dict[tuple[int, int], int] = {}
    cid = 0
    for m, area, starts in meetings:
        for position in range(CASES_PER_MEETING):
            cid += 1
            year = starts.year
            per_year[(area, year)] = per_year.get((area, year), 0) + 1
            reference = f"{codes[area]}-{year}-{per_year[(area, year)]:05d}"
            referred = (starts - timedelta(days=rng.randint(7, 20))).date()
            closed = (
                starts.date() + timedelta(days=90)
                if starts.date() + timedelta(days=90) < today
                else None
            )
            case_rows.append(
                (cid, area, reference, "closed" if closed else "open", closed, starts, starts, 1)
            )
            score = rng.randint(8, 24)
            answers = {str(q): ("yes" if q <= score else "no") for q in range(1, 25)}
            referral_rows.append(
                (
                    cid,
                    area,
                    cid,
                    agency_ids[cid % len(agency_ids)],
                    f"{FIRST[cid % 20]} {LAST[cid % 24]}",
                    "Officer",
                    referred,
                    "visible_high_risk" if score >= 14 else "professional_judgement",
                    "Fictional reasons for referral.",
                    answers,
                    score,
                    False,
                    False,
                    datetime.combine(referred, datetime.min.time(), tzinfo=UTC),
                    datetime.combine(referred, datetime.min.time(), tzinfo=UTC),
                    1,
                )
            )
            item_rows.append((cid, m, cid, cid, position, starts))
            summary_rows.append(
                (
                    cid,
                    cid,
                    "<p>Fictional harm identified.</p>",
                    "<p>Fictional contributing factors.</p>",
                    "<p>Fictional protective factors.</p>",
                    chairs[area],
                    starts,
                    starts,
                    1,
                )
            )
            case_meta.append((cid, m, area, starts))
    w(
        "marac_case",
        [
            "id",
            "area_id",
            "reference",
            "status",
            "closed_on",
            "created_at",
            "updated_at",
            "version",
        ],
        case_rows,
    )
    w(
        "referral",
        [
            "id",
            "area_id",
            "case_id",
            "referring_agency_id",
            "referrer_name",
            "referrer_role",
            "referred_on",
            "criterion",
            "reasons",
            "dash_answers",
            "dash_score",
            "is_repeat",
            "repeat_confirmed_by_coordinator",
            "created_at",
            "updated_at",
            "version",
        ],
        referral_rows,
    )
    del case_rows, referral_rows

    genders = ["female", "male", "non_binary", "not_known"]
    ethnicities = ["white_british", "white_other", "mixed", "asian", "black", "not_known"]

    def people() -> Iterator[tuple[Any, ...]]:
        pid = 0
        for cid_, _m, _area, starts in case_meta:
            roles = ["victim", "perpetrator"] + ["child"] * (cid_ % 4)
            for position, role in enumerate(roles):
                pid += 1
                name = f"{FIRST[(cid_ + position) % 20]} {LAST[(cid_ * 7 + position) % 24]}"
                born = (
                    date(1960 + (cid_ % 40), 1 + cid_ % 12, 1 + cid_ % 28)
                    if role != "child"
                    else date(starts.year - 1 - position, 6, 1)
                )
                victim = role == "victim"
                yield (
                    pid,
                    cid_,
                    role,
                    position,
                    name,
                    normalise_name(name),
                    born,
                    genders[(cid_ + position) % 4] if not victim else "female",
                    "1 Fictional Road, Benchtown" if victim else None,
                    ethnicities[cid_ % 6] if victim else None,
                    starts,
                )

    w(
        "referral_person",
        [
            "id",
            "referral_id",
            "role",
            "position",
            "full_name",
            "normalised_name",
            "date_of_birth",
            "gender",
            "address",
            "ethnicity",
            "created_at",
        ],
        people(),
    )
    w(
        "agenda_item",
        ["id", "meeting_id", "case_id", "referral_id", "position", "created_at"],
        item_rows,
    )
    w(
        "risk_summary",
        [
            "id",
            "agenda_item_id",
            "harm_identified",
            "contributing_factors",
            "protective_factors",
            "author_id",
            "created_at",
            "updated_at",
            "version",
        ],
        summary_rows,
    )
    del item_rows, summary_rows

    subjects = ["victim", "perpetrator", "child_or_vulnerable_adult", "household"]
    kinds = ["fact", "professional_opinion", "victims_view"]

    def entries() -> Iterator[tuple[Any, ...]]:
        eid = 0
        for cid_, _m, area, starts in case_meta:
            for k in range(ENTRIES_PER_CASE):
                eid += 1
                at = starts + timedelta(minutes=k)
                yield (
                    eid,
                    cid_,
                    subjects[k % 4],
                    kinds[k % 3],
                    agency_ids[(cid_ + k) % len(agency_ids)],
                    TEXT,
                    chairs[area],
                    at,
                    at,
                    1,
                )

    w(
        "minute_entry",
        [
            "id",
            "agenda_item_id",
            "subject",
            "kind",
            "source_agency_id",
            "text_html",
            "author_id",
            "created_at",
            "updated_at",
            "version",
        ],
        entries(),
    )

    # Actions: old ones closed (most completed), those of the last six weeks still open.
    open_after = now - timedelta(days=OPEN_ACTION_DAYS)
    closed_actions: list[tuple[int, str, datetime, int]] = []

    def actions() -> Iterator[tuple[Any, ...]]:
        xid = 0
        for cid_, m, area, starts in case_meta:
            for k in range(ACTIONS_PER_CASE):
                xid += 1
                agency = agency_ids[(cid_ * 3 + k) % len(agency_ids)]
                reps = reps_by_agency[agency]
                owner = reps[cid_ % len(reps)] if reps and k % 2 == 0 else None
                due = (starts + timedelta(days=14 + 7 * k)).date()
                if starts > open_after:
                    status, note, changed = "open", None, None
                else:
                    roll = rng.random()
                    status = (
                        "completed"
                        if roll < 0.85
                        else "not_completed"
                        if roll < 0.95
                        else "not_possible"
                    )
                    note = "Fictional note on what happened."
                    changed = starts + timedelta(days=10 + 7 * k)
                    closed_actions.append((xid, status, changed, owner or chairs[area]))
                yield (
                    xid,
                    cid_,
                    cid_,
                    m,
                    agency,
                    owner,
                    "Fictional SMART action agreed at the meeting.",
                    due,
                    ("high", "medium", "low")[k % 3],
                    status,
                    note,
                    changed,
                    chairs[area],
                    starts,
                    1,
                )

    w(
        "action_item",
        [
            "id",
            "case_id",
            "agenda_item_id",
            "meeting_id",
            "owner_agency_id",
            "owner_user_id",
            "description",
            "due_date",
            "priority",
            "status",
            "status_note",
            "status_changed_at",
            "created_by_id",
            "created_at",
            "version",
        ],
        actions(),
    )
    w(
        "action_status_update",
        ["id", "action_id", "from_status", "to_status", "note", "dated", "by_id", "recorded_at"],
        (
            (
                n,
                xid,
                "open",
                status,
                "Fictional note on what happened.",
                changed.date(),
                by,
                changed,
            )
            for n, (xid, status, changed, by) in enumerate(closed_actions, start=1)
        ),
    )
    closed_actions.clear()

    # --- Audit trail: a valid hash chain, oldest first -------------------------------------
    start_time = meetings[0][2] - timedelta(days=30)
    span = (now - timedelta(hours=1) - start_time).total_seconds()
    case_count = len(case_meta)
    meeting_count = len(meetings)
    roles = {u[0]: (u[4], u[5]) for u in users}
    state = {"prev": GENESIS_HASH}
    sha256 = hashlib.sha256
    dumps = json.dumps
    assert CHAIN_FIELDS[0] == "id" and len(CHAIN_FIELDS) == 12

    def audit() -> Iterator[tuple[Any, ...]]:
        prev = state["prev"]
        step = span / audit_total
        base = max_ids["audit_event"]
        for n in range(1, audit_total + 1):
            event_id = base + n
            at = start_time + timedelta(seconds=step * n)
            actor = user_ids[(n * 7919) % len(user_ids)]
            role, agency = roles[actor]
            action, object_type = AUDIT_ACTIONS[n % len(AUDIT_ACTIONS)]
            if object_type == "case":
                object_id = str(1 + (n * 31) % case_count)
            elif object_type == "meeting":
                object_id = str(1 + n % meeting_count)
            elif object_type is None:
                object_id = None
            else:
                object_id = str(1 + (n * 13) % (case_count * 5))
            outcome = "denied" if n % 997 == 0 else "allowed"
            ip = f"10.0.{n % 200}.{n % 250 + 1}"
            request_id = f"{n:016x}"
            detail = None if n % 3 else "rows=25 page=1"
            payload = dumps(
                [
                    event_id,
                    _canonical_time(at),
                    actor,
                    role,
                    agency,
                    action,
                    object_type,
                    object_id,
                    outcome,
                    ip,
                    request_id,
                    detail,
                    prev,
                ],
                ensure_ascii=True,
                separators=(",", ":"),
            )
            row_hash = sha256(payload.encode("ascii")).hexdigest()
            yield (
                event_id,
                at,
                actor,
                role,
                agency,
                action,
                object_type,
                object_id,
                outcome,
                ip,
                request_id,
                detail,
                prev,
                row_hash,
            )
            prev = row_hash
        state["prev"] = prev

    if max_ids["audit_event"]:
        with sa.create_engine(url).connect() as connection:
            head = connection.execute(
                sa.text("SELECT row_hash FROM audit_event ORDER BY id DESC LIMIT 1")
            ).scalar()
        state["prev"] = head or GENESIS_HASH
    w(
        "audit_event",
        [
            "id",
            "occurred_at",
            "actor_id",
            "actor_role",
            "actor_agency_id",
            "action",
            "object_type",
            "object_id",
            "outcome",
            "ip_address",
            "request_id",
            "detail",
            "prev_hash",
            "row_hash",
        ],
        audit(),
        batch=50_000,
    )

    writer.fix_sequences(
        [
            "marac_area",
            "agency",
            "protocol_version",
            "protocol_signature",
            "user_account",
            "meeting",
            "invitation",
            "meeting_opening",
            "meeting_attendance",
            "confidentiality_acknowledgement",
            "minutes_approval",
            "marac_case",
            "referral",
            "referral_person",
            "agenda_item",
            "risk_summary",
            "minute_entry",
            "action_item",
            "action_status_update",
            "audit_event",
        ]
    )
    start = time.perf_counter()
    writer.close()
    print(f"  {'(analyze)':<32} {'':>10}      {time.perf_counter() - start:8.1f} s")
    return {
        "timings": writer.timings,
        "cases": case_count,
        "meetings": meeting_count,
        "audit": audit_total,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("MARAC_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = the full data set; 0.02 = small, same shape"
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="empty the database first (deletes the SQLite file / drops the "
        "PostgreSQL public schema)",
    )
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    total_start = time.perf_counter()
    if args.reset:
        reset(url)
    print(f"Database: {sa.make_url(url).render_as_string(hide_password=True)}  scale={args.scale}")
    start = time.perf_counter()
    migrate(url)
    print(
        f"  {'(migrations: flask db upgrade)':<32} {'':>10}      "
        f"{time.perf_counter() - start:8.1f} s",
        flush=True,
    )
    result = seed(url, args.scale)
    total = time.perf_counter() - total_start
    rows = sum(count for _t, count, _s in result["timings"])
    print(
        f"Seeded {result['cases']:,} cases in {result['meetings']:,} meetings, "
        f"{result['audit']:,} audit events, {rows:,} rows in all."
    )
    print(f"Total time: {total:.1f} s ({total / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
