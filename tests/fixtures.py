"""The test factories: one callable factory fixture per model, shared by every test package.

Registered from tests/conftest.py (``pytest_plugins``), so every package uses the same
``make_area``, ``make_agency``, ``make_user``, ``make_meeting``, ``make_case``,
``make_agenda_item`` and ``statement`` and no
conftest imports another's. A factory commits what it makes and returns it (the session keeps
attributes loaded: ``expire_on_commit=False``); each test's transaction is rolled back.
``smtp_server`` is the one loopback SMTP server for tests of mail delivery.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.attendance import services as attendance
from marac_app.attendance.models import AcknowledgementMethod, AttendanceStatus
from marac_app.auth.models import Role, User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Invitation, Meeting
from marac_app.protocol.models import ConfidentialityStatement, ProtocolSignature, ProtocolVersion
from marac_app.protocol.services import current_protocol, current_statement
from marac_app.referrals.models import AgendaItem, Case, Criterion, Referral
from marac_app.referrals.people import Person, PersonRole
from tests.conftest import PASSWORD, password_hash

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


@pytest.fixture()
def make_area(app: Flask) -> Callable[..., MaracArea]:
    def factory(name: str | None = None, code: str | None = None) -> MaracArea:
        n = _next()
        with app.app_context():
            area = MaracArea(name=name or f"Test area {n}", code=code or f"TA{n}"[:8])
            db.session.add(area)
            db.session.commit()
            db.session.refresh(area)
            return area

    return factory


@pytest.fixture()
def make_agency(app: Flask, make_area: Callable[..., MaracArea]) -> Callable[..., Agency]:
    def factory(
        name: str | None = None,
        kind: AgencyKind = AgencyKind.POLICE,
        areas: list[MaracArea] | None = None,
    ) -> Agency:
        n = _next()
        with app.app_context():
            agency = Agency(name=name or f"Test agency {n}", kind=kind)
            agency.areas = [db.session.merge(a) for a in (areas or [make_area()])]
            db.session.add(agency)
            db.session.commit()
            db.session.refresh(agency)
            return agency

    return factory


@pytest.fixture()
def make_user(
    app: Flask, make_agency: Callable[..., Agency], make_area: Callable[..., MaracArea]
) -> Callable[..., User]:
    def factory(
        role: Role = Role.AGENCY_REP,
        *,
        agency: Agency | None = None,
        area: MaracArea | None = None,
        email: str | None = None,
        password: str = PASSWORD,
        active: bool = True,
        name: str | None = None,
    ) -> User:
        n = _next()
        with app.app_context():
            if role.needs_area and area is None:
                area = make_area()
            if role.needs_agency and agency is None:
                agency = make_agency(areas=[area] if area else None)
            user = User(
                email=email or f"user{n}@agency.example",
                name=name or f"Test User {n}",
                job_title="Officer",
                role=role,
                agency_id=agency.id if agency else None,
                area_id=area.id if area else None,
                password_hash=password_hash(password),
                active=active,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            return user

    return factory


@pytest.fixture()
def make_meeting(app: Flask) -> Callable[..., Meeting]:
    """A meeting of ``area`` starting at ``starts_at`` (default: now plus ``days``), lasting
    ``hours``, with ``chair`` and an invitation for each user in ``invite``."""

    def factory(
        area: MaracArea,
        starts_at: datetime | None = None,
        *,
        days: int = 0,
        hours: int = 2,
        invite: Sequence[User] = (),
        chair: User | None = None,
    ) -> Meeting:
        with app.app_context():
            starts = starts_at or utcnow() + timedelta(days=days)
            meeting = Meeting(
                area_id=area.id,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                venue="Room 1",
                chair_id=chair.id if chair else None,
            )
            db.session.add(meeting)
            db.session.flush()
            for user in invite:
                db.session.add(
                    Invitation(meeting_id=meeting.id, user_id=user.id, agency_id=user.agency_id)
                )
            db.session.commit()
            db.session.refresh(meeting)
            return meeting

    return factory


STATEMENT_TEXT = (
    "Information discussed by the agency representatives within the ambit of this MARAC is "
    "strictly confidential.\n\nIt must not be disclosed to third parties who have not signed "
    "up to the information-sharing protocol."
)


@pytest.fixture()
def statement(app: Flask) -> ConfidentialityStatement:
    """The current statement, created only when none exists (until one is seeded)."""
    with app.app_context():
        existing = current_statement()
        if existing is not None:
            return existing
        row = ConfidentialityStatement(version_number=1, text=STATEMENT_TEXT)
        db.session.add(row)
        db.session.commit()
        db.session.refresh(row)
        return row


@pytest.fixture()
def make_case(app: Flask, make_area: Callable[..., MaracArea]) -> Callable[..., Case]:
    """A bare case (no referral) of ``area`` (a new area when none), e.g. ``TST-2026-0007``.
    Packages that need a whole heard case build one through the services instead."""

    def factory(area: MaracArea | None = None, reference: str | None = None) -> Case:
        area = area or make_area()
        with app.app_context():
            case = Case(area_id=area.id, reference=reference or f"TST-2026-{_next():04d}")
            db.session.add(case)
            db.session.commit()
            db.session.refresh(case)
            return case

    return factory


@pytest.fixture()
def make_agenda_item(app: Flask) -> Callable[..., AgendaItem]:
    """``case`` put on ``meeting``'s case list."""

    def factory(meeting: Meeting, case: Case) -> AgendaItem:
        with app.app_context():
            item = AgendaItem(meeting_id=meeting.id, case_id=case.id)
            db.session.add(item)
            db.session.commit()
            db.session.refresh(item)
            return item

    return factory


def sign_up_agency(agency: Agency) -> None:
    """Sign ``agency`` up to the protocol in force, creating a version if none is (flushes;
    inside an app context). For world builders that make many objects in one transaction."""
    version = current_protocol()
    if version is None:
        version = ProtocolVersion(
            title="Test ISP",
            version_label="test-1",
            effective_date=date(2020, 1, 1),
            grace_days=0,
            text="Agencies agree to share information.",
        )
        db.session.add(version)
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
    db.session.flush()


@pytest.fixture()
def sign_up(app: Flask) -> Callable[[Agency], None]:
    """Sign ``agency`` up to the protocol in force (creating a version if none is)."""

    def factory(agency: Agency) -> None:
        with app.app_context():
            sign_up_agency(db.session.get(Agency, agency.id))
            db.session.commit()

    return factory


def listed_case(
    area_id: int,
    agency_id: int,
    meeting_id: int,
    position: int,
    victim: str,
    *,
    prefix: str = "TST",
    with_child: bool = True,
) -> tuple[Case, AgendaItem]:
    """A case referred by ``agency_id`` (victim, "Peter Perp" and, ``with_child``, "Cara
    Child") on ``meeting_id``'s case list at ``position`` (flushes; inside an app context).
    The one builder behind the minutes, distribution and performance worlds."""
    case = Case(area_id=area_id, reference=f"{prefix}-2026-{_next():06d}")
    db.session.add(case)
    db.session.flush()
    referral = Referral(
        area_id=area_id,
        case_id=case.id,
        referring_agency_id=agency_id,
        referrer_name="Rita Referrer",
        referred_on=date(2026, 1, 5),
        criterion=Criterion.VISIBLE_HIGH_RISK,
        dash_score=17,
    )
    people = [
        Person(role=PersonRole.VICTIM, full_name=victim, normalised_name=victim.lower()),
        Person(role=PersonRole.PERPETRATOR, full_name="Peter Perp", normalised_name="peter perp"),
    ]
    if with_child:
        people.append(
            Person(role=PersonRole.CHILD, full_name="Cara Child", normalised_name="cara child")
        )
    referral.people = people
    db.session.add(referral)
    db.session.flush()
    item = AgendaItem(
        meeting_id=meeting_id, case_id=case.id, referral_id=referral.id, position=position
    )
    db.session.add(item)
    db.session.flush()
    return case, item


def open_confidentiality_gate(meeting: Meeting, chair_id: int, rep_id: int) -> None:
    """Open ``meeting``'s confidentiality gate as the chair would, through the attendance
    services: the statement read, the representative ``rep_id`` present and acknowledged
    (flushes; inside an app context). The gate of the distribution and performance worlds."""
    chair = db.session.get(User, chair_id)
    version = attendance.required_version(meeting)
    attendance.mark_statement_read(meeting, shown_version=version, actor=chair)
    present = attendance.record_invitee_attendance(
        meeting,
        db.session.get(User, rep_id),
        status=AttendanceStatus.PRESENT,
        information_sent=None,
        actor=chair,
    )
    attendance.acknowledge(
        meeting,
        actor=chair,
        attendance=present,
        method=AcknowledgementMethod.RECORDED_BY_CHAIR,
    )


class SmtpCollector:
    """An aiosmtpd handler keeping every message it is sent (parsed, ``policy.default``)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.problems: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        # Every email the app sends, in every test that uses this server: RFC 5322's Date
        # (an aware instant) and a Message-ID (checked when the test ends).
        sent = message["Date"]
        if sent is None or sent.datetime is None or sent.datetime.tzinfo is None:
            self.problems.append(f"no Date header: {message['Subject']}")
        if not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(message["Message-ID"] or "")):
            self.problems.append(f"no Message-ID header: {message['Subject']}")
        self.messages.append(message)
        return "250 OK"


@pytest.fixture()
def smtp_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpCollector]:
    """A loopback SMTP server on a free port, with the app sending its mail there (so there
    is no outbox page) for the test; yields the collector whose ``messages`` the test reads.
    A message is in ``messages`` once the request that sent it has returned."""
    handler = SmtpCollector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    try:
        yield handler
    finally:
        controller.stop()
    assert handler.problems == []
    assert_no_case_data(app, handler.messages)


REFERENCE_LIKE = re.compile(r"\b[A-Z]{2,8}-\d{4}-\d{3,6}\b")


def assert_no_case_data(app: Flask, messages: list[EmailMessage]) -> None:
    """No email of any kind, in any test, carries a case reference (of this test's database
    or anything shaped like one) or the name of anyone a case is about (issue 15)."""
    if not messages:
        return
    with app.app_context():
        references = set(db.session.scalars(sa.select(Case.reference)))
        names = {
            name
            for name in db.session.scalars(sa.select(Person.full_name))
            if name and len(name.strip()) >= 4
        }
    for message in messages:
        parts = [str(message["Subject"] or "")]
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts.append(part.get_content())
        text = "\n".join(parts)
        found = [r for r in references if r in text] + [n for n in names if n in text]
        found += REFERENCE_LIKE.findall(text)
        assert not found, f"case data in the email {message['Subject']!r}: {sorted(set(found))}"
