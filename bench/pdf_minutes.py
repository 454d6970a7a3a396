"""Benchmark the restricted minutes PDF: master render, plain WeasyPrint, stamping, memory.

Run from the repository root:  .venv/bin/python bench/pdf_minutes.py [--runs N]

Builds a REAL 30-case meeting (10 minute entries and 5 actions per case) in a temporary SQLite
database through the app's own models and services (migrations, protocol signatures, the
confidentiality gate, ``minutes.add_entry``, ``action_items.create_action``, the chair's risk
summary, approval), then reads it back with the minutes feature's ``build_minutes_document``
and renders it. All names and text are fictional.

Exit status 1 if the render/plain ratio exceeds 1.2 or the median stamp time exceeds 50 ms.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from marac_app.distribution.sample import AGENCIES, FACTS, OPINIONS  # noqa: E402
from marac_app.documents.stamp import prepare_master, stamp_copy  # noqa: E402
from marac_app.minutes.pdf import minutes_html, render_minutes_pdf  # noqa: E402

MAX_RATIO = 1.2
MAX_STAMP_MS = 50.0
COPIES = 40
CASES = 30
ENTRIES_PER_CASE = 10
ACTIONS_PER_CASE = 5


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def build_meeting(cases: int, entries_per_case: int, actions_per_case: int) -> int:
    """Create the meeting through the services (inside an app context); returns its id."""
    from marac_app.action_items.services import create_action
    from marac_app.agencies.models import Agency, AgencyKind, MaracArea
    from marac_app.attendance import services as attendance
    from marac_app.attendance.models import AcknowledgementMethod, AttendanceStatus
    from marac_app.auth.models import Role, User
    from marac_app.common.time import london_today as today
    from marac_app.db import utcnow
    from marac_app.extensions import db
    from marac_app.meetings.models import Invitation, Meeting
    from marac_app.minutes import services as minutes
    from marac_app.protocol.models import ProtocolSignature, ProtocolVersion
    from marac_app.referrals.models import AgendaItem, Case, Criterion, Referral
    from marac_app.referrals.people import Person, PersonRole

    area = MaracArea(name="Cambridge", code="CAM")
    db.session.add(area)
    version = ProtocolVersion(
        title="Bench ISP",
        version_label="bench-1",
        effective_date=date(2020, 1, 1),
        grace_days=0,
        text="Agencies agree to share information.",
    )
    db.session.add(version)
    db.session.flush()
    agencies = []
    for name in AGENCIES:
        agency = Agency(name=name, kind=AgencyKind.OTHER)
        agency.areas = [area]
        db.session.add(agency)
        db.session.flush()
        db.session.add(
            ProtocolSignature(
                agency_id=agency.id,
                protocol_version_id=version.id,
                signatory_name="Sam Signatory",
                signatory_job_title="Head of Safeguarding",
                signed_on=date(2020, 1, 2),
                review_due_on=date(2099, 1, 1),
            )
        )
        agencies.append(agency)
    chair = User(
        email="chair@bench.example",
        name="Detective Inspector Sam Chairperson",
        role=Role.CHAIR,
        agency_id=agencies[0].id,
        area_id=area.id,
    )
    db.session.add(chair)
    reps = [
        User(
            email=f"rep{i}@bench.example",
            name=f"Representative {i + 1}",
            role=Role.AGENCY_REP,
            agency_id=agency.id,
        )
        for i, agency in enumerate(agencies)
    ]
    db.session.add_all(reps)
    db.session.flush()
    starts = utcnow()
    meeting = Meeting(
        area_id=area.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        venue="Room 2, Example House, Cambridge",
        chair_id=chair.id,
    )
    db.session.add(meeting)
    db.session.flush()
    for rep in reps:
        db.session.add(Invitation(meeting_id=meeting.id, user_id=rep.id, agency_id=rep.agency_id))
    db.session.flush()
    attendance.mark_statement_read(
        meeting, shown_version=attendance.required_version(meeting), actor=chair
    )
    for rep in reps:
        row = attendance.record_invitee_attendance(
            meeting, rep, status=AttendanceStatus.PRESENT, information_sent=None, actor=chair
        )
        attendance.acknowledge(
            meeting, actor=chair, attendance=row, method=AcknowledgementMethod.RECORDED_BY_CHAIR
        )
    subjects = ("victim", "perpetrator", "child_or_vulnerable_adult", "household")
    for c in range(cases):
        case = Case(area_id=area.id, reference=f"CAM-2026-{c + 1:04d}")
        db.session.add(case)
        db.session.flush()
        victim = f"Alexandra Testperson {c + 1}"
        referral = Referral(
            area_id=area.id,
            case_id=case.id,
            referring_agency_id=agencies[0].id,
            referrer_name="Rita Referrer",
            referred_on=date(2026, 1, 5),
            criterion=Criterion.VISIBLE_HIGH_RISK,
            dash_score=17,
        )
        referral.people = [
            Person(role=PersonRole.VICTIM, full_name=victim, normalised_name=victim.lower())
        ]
        db.session.add(referral)
        db.session.flush()
        item = AgendaItem(
            meeting_id=meeting.id, case_id=case.id, referral_id=referral.id, position=c + 1
        )
        db.session.add(item)
        db.session.flush()
        for e in range(entries_per_case):
            agency = agencies[(c + e) % len(agencies)]
            if e == entries_per_case - 1:
                kind, text = (
                    "victims_view",
                    (
                        f"<p>{victim} wants to stay in the area near "
                        "family and supports a non-molestation order.</p>"
                    ),
                )
            elif e % 3 == 2:
                kind, text = "professional_opinion", OPINIONS[(c + e) % len(OPINIONS)]
            else:
                kind = "fact"
                text = FACTS[(c + e) % len(FACTS)].format(d=f"{e + 1} February")
            minutes.add_entry(
                item,
                subject=subjects[e % len(subjects)],
                kind=kind,
                source_agency=agency,
                text=text.replace("the victim", victim, 1),
                actor=chair,
            )
        minutes.save_risk_summary(
            item,
            version=None,
            harm_identified="High risk of serious harm from the ex-partner, escalating.",
            contributing_factors="Recent separation, alcohol misuse, child contact.",
            protective_factors="Engaged with the IDVA; supportive family nearby.",
            actor=chair,
        )
        for a in range(actions_per_case):
            create_action(
                case,
                owner_agency=agencies[(c + a) % len(agencies)],
                description=f"Action {a + 1} for {case.reference}: complete a safety "
                "review, share the outcome with the IDVA and update the "
                "flag on the record.",
                due_date=today() + timedelta(days=7 * (a + 1)),
                priority="high",
                actor=chair,
                agenda_item=item,
            )
    minutes.approve(meeting, actor=chair)
    db.session.commit()
    return meeting.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="renders of each kind (alternating; the median is reported)",
    )
    args = parser.parse_args()

    from flask_migrate import upgrade

    from marac_app import create_app
    from marac_app.extensions import db
    from marac_app.meetings.models import Meeting
    from marac_app.minutes.builder import build_minutes_document

    with tempfile.TemporaryDirectory(prefix="marac-bench-") as tmp:
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3",
            OUTBOX_DIR=f"{tmp}/outbox",
        )
        with app.app_context():
            upgrade()
            setup_time, meeting_id = timed(
                lambda: build_meeting(CASES, ENTRIES_PER_CASE, ACTIONS_PER_CASE)
            )
            db.session.expunge_all()
            meeting = db.session.get(Meeting, meeting_id)
            build_time, doc = timed(lambda: build_minutes_document(meeting))
            db.session.remove()
            db.engine.dispose()

    html = minutes_html(doc)
    entries = sum(len(s.facts) + len(s.opinions) for c in doc.cases for s in c.subjects) + sum(
        len(c.victim_view) for c in doc.cases
    )
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
        elapsed, _copy = timed(
            lambda n=n: stamp_copy(
                prepared,
                recipient_name=f"Recipient {n}",
                agency_name="Housing Options",
                issued_at=datetime.now(UTC),
                document_id=f"00000000-0000-4000-8000-{n:012d}",
            )
        )
        stamp_times.append(elapsed)
    stamp_median_ms = statistics.median(stamp_times) * 1000

    pages = len(PdfReader(io.BytesIO(master)).pages)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    print(
        f"meeting built through the services in a temporary SQLite database: {setup_time:.1f} s;"
        f" build_minutes_document: {build_time * 1000:.0f} ms"
    )
    print(
        f"document: {len(doc.cases)} cases, {entries} entries, {actions} actions, "
        f"{pages} pages, master {len(master) / 1024:.0f} KiB "
        f"(stamp-ready {len(prepared) / 1024:.0f} KiB)"
    )
    print(
        f"master render (render_minutes_pdf, pdf/ua-1, restricted fetcher): "
        f"{restricted:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in restricted_times)})"
    )
    print(
        f"plain WeasyPrint (same HTML, default fetcher, no variant):        "
        f"{plain:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in plain_times)})"
    )
    print(
        f"ratio restricted/plain: {ratio:.2f}  (limit {MAX_RATIO})  "
        f"{'OK' if ratio <= MAX_RATIO else 'FAIL'}"
    )
    print(f"prepare master for stamping (once per master, cached): {prepare_time * 1000:.0f} ms")
    print(
        f"stamp one copy, median of {COPIES}: {stamp_median_ms:.2f} ms "
        f"(min {min(stamp_times) * 1000:.2f}, max {max(stamp_times) * 1000:.2f}; "
        f"target {MAX_STAMP_MS:.0f} ms)  {'OK' if stamp_median_ms <= MAX_STAMP_MS else 'FAIL'}"
    )
    print(f"peak memory (ru_maxrss): {peak_mib:.0f} MiB")
    return 0 if ratio <= MAX_RATIO and stamp_median_ms <= MAX_STAMP_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
