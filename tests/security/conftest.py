"""A two-area world for the access tests, and a prober that requests every object route.

Area A holds two signed-up agencies (X: police, Y: housing) with one representative each, a
coordinator and a chair; area B holds agency Z with its coordinator, chair and representative.
Agency X serves **both** areas (as one police force serves several MARACs): it has its own
representative in B too (side S), invited to B's meeting and owning an action there, while X's
representative in A is never invited to anything in B. Two of X's people cover both areas
(issue 15): a coordinator and a representative who are members of A and B, working in A, the
representative invited to both meetings. There is an admin and a DPO. Each area
has a meeting (its reps invited), a full case on its agenda (referral, minute entries, actions,
attendance, an observer), and a data-subject request linked to its case. Every user owns one
background job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, g, request_finished
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from marac_app.action_items.models import ActionItem
from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.attendance.models import Attendance, AttendanceStatus, Observer
from marac_app.auth.models import Role, User, UserArea
from marac_app.extensions import db
from marac_app.jobs.models import BackgroundJob
from marac_app.meetings.models import Invitation, Meeting
from marac_app.minutes.models import EntryKind, MinuteEntry, Subject
from marac_app.privacy.models import SubjectRequest, SubjectRequestCase, SubjectRight
from marac_app.protocol.models import ProtocolSignature
from marac_app.protocol.services import current_protocol
from marac_app.referrals import services as referral_services
from marac_app.transfers.models import CaseTransfer, TransferKind, TransferStatus
from tests.conftest import CSRF_RE, Auth
from tests.privacy.conftest import referral_details

ROLES = ("admin", "dpo", "coordinator", "chair", "rep")
# other_area_same_agency: area B's objects of agency X, the agency that serves both areas.
RELATIONS = ("own", "other_agency", "other_area", "other_area_same_agency")
OBJECT_SUFFIXES = ("_id", "token", "public_id")
VARIABLE_RE = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>[a-z_]+)>")


def object_variables(rule: Rule) -> list[str]:
    """The URL variables of ``rule`` that name an object (int converter or *_id/token names)."""
    names = []
    for match in VARIABLE_RE.finditer(rule.rule):
        name, conv = match.group("name"), match.group("conv")
        if conv == "int" or name.endswith(OBJECT_SUFFIXES):
            names.append(name)
    return names


def object_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if object_variables(r)), key=lambda r: r.rule
    )


def fill(rule: Rule, values: dict[str, Any]) -> str:
    return VARIABLE_RE.sub(lambda m: str(values[m.group("name")]), rule.rule)


@dataclass
class Side:
    """The objects of one tenant (area A with agency X, agency Y in A, area B with agency Z,
    or area B with agency X)."""

    area: MaracArea
    agency: Agency
    coordinator: User | None = None
    chair: User | None = None
    rep: User | None = None
    meeting: Meeting | None = None
    case_id: int = 0
    referral_id: int = 0
    item_id: int = 0
    entry_id: int = 0
    action_id: int = 0
    attendance_id: int = 0
    observer_id: int = 0
    invitation_id: int = 0
    request_id: int = 0
    signature_id: int = 0
    case_reference: str = ""
    transfer_id: int = 0  # a transfer waiting for this side's area (marac_app/transfers)


@dataclass
class SecurityWorld:
    x: Side  # area A, agency X (the "own" side)
    y: Side  # area A, agency Y (the "other agency" side)
    b: Side  # area B, agency Z (the "other area" side)
    s: Side  # area B, agency X (the same agency as X, in the other area)
    admin: User
    dpo: User
    version_id: int
    jobs: dict[int, str] = field(default_factory=dict)  # user id -> job public id
    # Issue 15: X's people who cover both areas (members of A and B), working in A. The rep
    # is invited to both meetings, so only the area they work in keeps B from them.
    two_area_coordinator: User | None = None
    two_area_rep: User | None = None

    def user(self, role: str) -> User:
        return {
            "admin": self.admin,
            "dpo": self.dpo,
            "coordinator": self.x.coordinator,
            "chair": self.x.chair,
            "rep": self.x.rep,
        }[role]

    def values(self, relation: str, as_user: User) -> dict[str, Any]:
        """URL values naming the objects of ``relation`` as seen by ``as_user``."""
        side = {
            "own": self.x,
            "other_agency": self.y,
            "other_area": self.b,
            "other_area_same_agency": self.s,
        }[relation]
        base = self.x if relation == "other_agency" else side  # meeting/case are shared in A
        if relation == "own":
            job = self.jobs[as_user.id]
        elif relation == "other_agency":
            job = self.jobs[self.y.rep.id]
        elif relation == "other_area_same_agency":
            job = self.jobs[self.s.rep.id]
        else:
            job = self.jobs[self.b.coordinator.id]
        return {
            "area_id": side.area.id,
            "agency_id": side.agency.id,
            "user_id": side.rep.id,
            "meeting_id": base.meeting.id,
            "case_id": base.case_id,
            "referral_id": base.referral_id,
            "item_id": base.item_id,
            "entry_id": base.entry_id,
            "observer_id": base.observer_id,
            "request_id": base.request_id,
            "action_id": side.action_id,
            "attendance_id": side.attendance_id,
            "invitation_id": side.invitation_id,
            "signature_id": side.signature_id,
            "transfer_id": side.transfer_id,
            "version_id": self.version_id,
            "public_id": job,
            "fmt": "json",
            "token": "not-a-real-token",
            "name": "no-such-message.eml",
        }


def _side(area: MaracArea, agency: Agency) -> Side:
    return Side(area=area, agency=agency)


@pytest.fixture()
def sw(
    app: Flask,
    make_area,
    make_agency,
    make_user,
    make_meeting,
    sign_up,
    statement,
) -> SecurityWorld:
    area_a, area_b = make_area(), make_area()
    agency_x = make_agency(kind=AgencyKind.POLICE, areas=[area_a, area_b])
    agency_y = make_agency(kind=AgencyKind.HOUSING, areas=[area_a])
    agency_z = make_agency(kind=AgencyKind.POLICE, areas=[area_b])
    for agency in (agency_x, agency_y, agency_z):
        sign_up(agency)
    x, y, b = _side(area_a, agency_x), _side(area_a, agency_y), _side(area_b, agency_z)
    s = _side(area_b, agency_x)
    for side in (x, b):
        side.coordinator = make_user(Role.COORDINATOR, agency=side.agency, area=side.area)
        side.chair = make_user(Role.CHAIR, agency=side.agency, area=side.area)
    y.coordinator, y.chair = x.coordinator, x.chair
    s.coordinator, s.chair = b.coordinator, b.chair
    # X's representatives each belong to their own area; Y's and Z's to none (both occur).
    x.rep = make_user(Role.AGENCY_REP, agency=agency_x, area=area_a)
    s.rep = make_user(Role.AGENCY_REP, agency=agency_x, area=area_b)
    for side in (y, b):
        side.rep = make_user(Role.AGENCY_REP, agency=side.agency)
    two_area_coordinator = make_user(Role.COORDINATOR, agency=agency_x, area=area_a)
    two_area_rep = make_user(Role.AGENCY_REP, agency=agency_x, area=area_a)
    admin, dpo = make_user(Role.ADMIN), make_user(Role.DPO)
    x.meeting = y.meeting = make_meeting(area_a, invite=[x.rep, y.rep], chair=x.chair, days=7)
    b.meeting = s.meeting = make_meeting(area_b, invite=[b.rep, s.rep], chair=b.chair, days=7)
    with app.app_context():
        for person in (two_area_coordinator, two_area_rep):
            for area in (area_a, area_b):
                db.session.add(UserArea(user_id=person.id, area_id=area.id))
        for meeting in (x.meeting, b.meeting):
            db.session.add(
                Invitation(meeting_id=meeting.id, user_id=two_area_rep.id, agency_id=agency_x.id)
            )
        for side, victim in ((x, "Valerie Victimson"), (b, "Bettina Bystander")):
            referral = referral_services.create_referral(
                area=db.session.get(MaracArea, side.area.id),
                details=referral_details(side.agency.id, victim),
                actor=None,
            )
            item = referral_services.allocate_to_meeting(
                referral, db.session.get(Meeting, side.meeting.id), actor=None
            )
            entry = MinuteEntry(
                agenda_item_id=item.id,
                subject=Subject.VICTIM,
                kind=EntryKind.FACT,
                source_agency_id=side.agency.id,
                author_id=side.chair.id,
                text_html="<p>Police attended.</p>",
            )
            observer = Observer(
                meeting_id=side.meeting.id,
                name="Olive Observer",
                organisation="University",
                chair_agreed=True,
                agreement_recorded_by_id=side.chair.id,
            )
            req = SubjectRequest(
                person_name=victim,
                right=SubjectRight.ACCESS,
                received_on=date(2026, 3, 1),
                due_on=date(2026, 4, 1),
            )
            req.cases = [
                SubjectRequestCase(case_id=referral.case_id, case_reference=referral.case.reference)
            ]
            db.session.add_all([entry, observer, req])
            db.session.flush()
            side.case_id, side.referral_id, side.item_id = referral.case_id, referral.id, item.id
            side.case_reference = referral.case.reference
            side.entry_id, side.observer_id, side.request_id = entry.id, observer.id, req.id
        y.case_id, y.referral_id, y.item_id = x.case_id, x.referral_id, x.item_id
        y.entry_id, y.observer_id, y.request_id = x.entry_id, x.observer_id, x.request_id
        s.case_id, s.referral_id, s.item_id = b.case_id, b.referral_id, b.item_id
        s.entry_id, s.observer_id, s.request_id = b.entry_id, b.observer_id, b.request_id
        s.case_reference = b.case_reference
        for label, side in (("X", x), ("Y", y), ("B", b), ("S", s)):
            action = ActionItem(
                case_id=side.case_id,
                agenda_item_id=side.item_id,
                meeting_id=side.meeting.id,
                owner_agency_id=side.agency.id,
                description=f"ACTIONMARK{label} fit a door lock",
                due_date=date(2099, 1, 1),
                needs_address=True,  # the reveal route's matrix (marac_app/safeguards)
            )
            attendance = Attendance(
                meeting_id=side.meeting.id,
                user_id=side.rep.id,
                name=side.rep.name,
                agency_id=side.agency.id,
                status=AttendanceStatus.PRESENT,
                recorded_by_id=side.chair.id,
            )
            db.session.add_all([action, attendance])
            db.session.flush()
            side.action_id, side.attendance_id = action.id, attendance.id
            side.invitation_id = db.session.scalar(
                sa.select(Invitation.id).where(
                    Invitation.meeting_id == side.meeting.id, Invitation.user_id == side.rep.id
                )
            )
            side.signature_id = db.session.scalar(
                sa.select(ProtocolSignature.id).where(ProtocolSignature.agency_id == side.agency.id)
            )
        jobs = {}
        for user in (
            admin,
            dpo,
            x.coordinator,
            x.chair,
            x.rep,
            y.rep,
            b.coordinator,
            b.chair,
            b.rep,
            s.rep,
            two_area_coordinator,
            two_area_rep,
        ):
            job = BackgroundJob(kind="test", owner_id=user.id)
            db.session.add(job)
            db.session.flush()
            jobs[user.id] = job.public_id
        # Transfers waiting: B's case for area A, A's case for area B (its sender is area A).
        for receiving, sent in ((x, b), (b, x)):
            transfer = CaseTransfer(
                kind=TransferKind.WITHIN,
                status=TransferStatus.PENDING,
                source_case_id=sent.case_id,
                from_area_id=sent.area.id,
                to_area_id=receiving.area.id,
                reason="The victim moved.",
            )
            db.session.add(transfer)
            db.session.flush()
            receiving.transfer_id = transfer.id
        y.transfer_id, s.transfer_id = x.transfer_id, b.transfer_id
        version_id = current_protocol().id
        db.session.commit()
    return SecurityWorld(
        x=x,
        y=y,
        b=b,
        s=s,
        admin=admin,
        dpo=dpo,
        version_id=version_id,
        jobs=jobs,
        two_area_coordinator=two_area_coordinator,
        two_area_rep=two_area_rep,
    )


# --- Probing ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    authorised: list[tuple[str, str]]
    body: str
    mimetype: str = "text/html"


class Prober:
    """A signed-in client whose every probe runs in a savepoint rolled back afterwards."""

    def __init__(self, app: Flask, client: FlaskClient, connection: sa.Connection) -> None:
        self.app, self.client, self.connection = app, client, connection
        self.token = ""

    def sign_in(self, user: User) -> None:
        Auth(self.client).sign_in_as(user)
        match = CSRF_RE.search(self.client.get("/").get_data(as_text=True))
        assert match, "no CSRF token on the home page"
        self.token = match.group(1)

    def request(
        self, method: str, path: str, data: dict[str, Any] | None = None, *, inspect: Any = None
    ) -> Answer:
        """One request in a rolled-back savepoint; ``inspect(answer)`` runs before the rollback."""
        seen: list[list[tuple[str, str]]] = []

        def _record(sender: Flask, response: Any, **_: Any) -> None:
            seen.append(list(g.get("_authorised", [])))

        savepoint = self.connection.begin_nested()
        try:
            with request_finished.connected_to(_record, self.app):
                if method == "GET":
                    response = self.client.get(path)
                else:
                    response = self.client.post(
                        path,
                        data={"csrf_token": self.token, **(data or {})}
                        if data is None or "csrf_token" not in data
                        else data,
                    )
            # A file (a transfer pack's PDF) is kept as text with its bytes escaped.
            body = response.get_data().decode("utf-8", errors="backslashreplace")
            answer = Answer(response.status_code, seen[-1] if seen else [], body, response.mimetype)
            if inspect is not None:
                inspect(answer)
            return answer
        except AssertionError:
            raise
        except Exception as error:  # noqa: BLE001 - the test client re-raises what would be a 500
            return Answer(500, [], f"{type(error).__name__}: {error}")
        finally:
            if savepoint.is_active:
                savepoint.rollback()


@pytest.fixture()
def prober(app: Flask, db_transaction: sa.Connection) -> Iterator[Prober]:
    yield Prober(app, app.test_client(), db_transaction)


# --- Forms -------------------------------------------------------------------------------


@dataclass
class FormSpec:
    """A POST form found on a page: where it posts and its fields with their shown values."""

    action: str
    page: str
    fields: dict[str, list[str]]  # name -> candidate values (first = shown value)
    kinds: dict[str, str]  # name -> input type ("text", "textarea", "select", "hidden", ...)

    def text_fields(self) -> list[str]:
        """Free-text fields (not dates, times, numbers, emails or phone numbers)."""
        return [
            n
            for n, k in self.kinds.items()
            if k in ("text", "textarea", "search")
            and n != "csrf_token"
            and not NOT_FREE_TEXT.search(n)
        ]

    def baseline(self, year: str = "2025") -> dict[str, str]:
        """The values the page shows, with plausible ones for blank dates, times and numbers."""
        data = {}
        for name, values in self.fields.items():
            if name == "csrf_token":
                continue
            value = values[0] if values else ""
            if value == "" and self.kinds.get(name) == "select":
                value = next((v for v in values if v), "")
            if not value and re.search(r"-\d+-", name):
                value = ""  # an optional repeated row (another child, perpetrator): left blank
            elif not value:
                value = year if "year" in name.lower() else plausible(name)
                if not value and name in self.text_fields():
                    value = "Sample"
            data[name] = value
        return data


NOT_FREE_TEXT = re.compile(
    r"(day|month|year|date|time|email|phone|tel|number|count|score|"
    r"version|interval|nth|weekday|population|adult_women|dash|postcode|"
    r"_id$|^id$)",
    re.I,
)


def plausible(name: str) -> str:
    """A valid-looking value for a blank field, judged by its name (empty when unsure)."""
    lowered = name.lower()
    for pattern, value in (
        ("day", "15"),
        ("month", "6"),
        ("year", "2025"),
        ("time", "10:00"),
        ("email", "someone@example.org"),
        ("phone", "07700 900123"),
        ("count", "2"),
        ("interval", "4"),
        ("number", "1"),
        ("population", "1000"),
        ("code", "XS1"),
        ("label", "9.9"),
    ):
        if pattern in lowered:
            return value
    return ""


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self._current: tuple[str, dict[str, list[str]], dict[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = (
                ((a.get("action") or ""), {}, {})
                if a.get("method", "get").lower() == "post"
                else None
            )
            return
        if self._current is None:
            return
        _, fields, kinds = self._current
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            values = fields.setdefault(name, [])
            if kind in ("radio", "checkbox"):
                (
                    values.insert(0, a.get("value", "on"))
                    if "checked" in a
                    else values.append(a.get("value", "on"))
                )
            else:
                values.append(a.get("value", ""))
            kinds.setdefault(name, kind)
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, [])
            kinds[name] = "select"
        elif tag == "option" and self._select:
            values = fields[self._select]
            value = a.get("value", "")
            values.insert(0, value) if "selected" in a else values.append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = [""]
            kinds[name] = "textarea"

    def handle_data(self, data: str) -> None:
        if self._textarea and self._current is not None:
            self._current[1][self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None


def post_forms(page: str, html: str) -> list[FormSpec]:
    parser = _FormParser()
    parser.feed(html)
    specs = []
    for action, fields, kinds in parser.forms:
        target = urlsplit(urljoin("http://localhost" + page, action or page))
        specs.append(
            FormSpec(
                action=target.path + (f"?{target.query}" if target.query else ""),
                page=page,
                fields=fields,
                kinds=kinds,
            )
        )
    return specs


# Endpoints never crawled for forms: they end or change the prober's own session/credentials.
SESSION_ENDPOINTS_PREFIXES = ("auth.",)
SKIP_ACTION_PREFIXES = ("/sign-out", "/sign-in", "/account", "/reset-password", "/set-password")
FORM_ROLE_ORDER = ("coordinator", "chair", "rep", "dpo", "admin")


def crawl_forms(
    app: Flask,
    sw: SecurityWorld,
    probers: Any,
    allowed: dict[str, frozenset[str]],
    pages: dict[str, list[str]] | None = None,
) -> dict[str, tuple[str, FormSpec]]:
    """Every POST form reachable from a GET page, by action path: (role, form).

    ``pages``, when given, receives every HTML page each role could open.
    """
    found: dict[str, tuple[str, FormSpec]] = {}
    for role in FORM_ROLE_ORDER:
        values = sw.values("own", sw.user(role))
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if (
                "GET" not in rule.methods
                or rule.endpoint == "static"
                or rule.endpoint.startswith(SESSION_ENDPOINTS_PREFIXES)
                or rule.rule.endswith((".csv", ".ics", ".xlsx", ".json", ".pdf", ".<fmt>"))
            ):
                continue
            if object_variables(rule) and role not in allowed.get(rule.endpoint, ()):
                continue
            try:
                path = fill(rule, values)
            except KeyError:
                continue
            answer = probers[role].request("GET", path)
            if answer.status != 200:
                continue
            if pages is not None:
                pages.setdefault(role, []).append(path)
            for spec in post_forms(path, answer.body):
                action = spec.action.split("?")[0]
                if action.startswith(SKIP_ACTION_PREFIXES) or action in found:
                    continue
                found[action] = (role, spec)
    return found


AUDIT_LIKE_TABLES = frozenset(
    {"audit_event", "audit_event_case", "user_session", "alembic_version"}
)


def row_counts(connection: sa.Connection) -> dict[str, int]:
    return {
        table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        for table in db.metadata.sorted_tables
        if table.name not in AUDIT_LIKE_TABLES
    }
