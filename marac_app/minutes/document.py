"""A minutes document as plain, immutable data — independent of the database.

The minutes feature owns this data model: ``builder.build_minutes_document`` fills it from the
database and ``minutes.pdf`` renders it; nothing here queries or lazily loads anything.
Text fields are plain text (autoescaped by the template) except ``Entry.text_html``, which is
limited HTML that has ALREADY been through ``marac_app.common.sanitize.sanitize_html`` on write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from marac_app.common.time import format_long_date

# Subject labels used by the minutes (free text is allowed; these are the usual ones).
SUBJECT_VICTIM = "Victim"
SUBJECT_PERPETRATOR = "Perpetrator"
SUBJECT_CHILDREN = "Children and vulnerable adults"
SUBJECT_HOUSEHOLD = "Household"


@dataclass(frozen=True, slots=True)
class Entry:
    """One contribution to the minutes: a fact or an opinion shared by an agency."""

    agency: str
    text_html: str  # already-sanitised limited HTML: the ONLY field rendered with |safe
    author: str = ""
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActionLine:
    """An action agreed for a case (or reviewed from an earlier meeting)."""

    case_reference: str
    agency: str
    description: str
    due_date: date | None = None
    status: str = ""
    case_id: int | None = None  # for the audit trail of a copy; never printed
    coordinated: bool = False  # agreed for a co-ordinated case (not heard at the meeting)
    # The case's subject as agencies identify it (victim's name and date of birth, never the
    # address) and its address alert (issue 15).
    case_subject: str = ""
    address_alert: bool = False


@dataclass(frozen=True, slots=True)
class SubjectSection:
    """What was shared about one subject, facts kept apart from professional opinions."""

    subject: str
    facts: tuple[Entry, ...] = ()
    opinions: tuple[Entry, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskSummary:
    """The chair's summary of the risk for one case."""

    harm: str = ""
    contributing: str = ""
    protective: str = ""


@dataclass(frozen=True, slots=True)
class CaseSection:
    """One case discussed at the meeting."""

    reference: str
    criterion: str
    subjects: tuple[SubjectSection, ...] = ()
    victim_view: tuple[Entry, ...] = ()
    risk_summary: RiskSummary = field(default_factory=RiskSummary)
    actions: tuple[ActionLine, ...] = ()
    # Why the chair approved the case without entries, a risk summary or actions ("" if not).
    approval_note: str = ""
    # A co-ordinated case (not heard at the meeting): its marking with the chair's sign-off
    # ("" for a case heard at the table), and why no actions were agreed ("" if not given).
    coordinated_note: str = ""
    no_actions_reason: str = ""
    # The victim's name and date of birth (never the address) and the address alert.
    subject: str = ""
    address_alert: bool = False


COORDINATED_MARK = "Co-ordinated (not heard at the meeting)"


def subject_of(name: str | None, date_of_birth: date | None) -> str:
    """How agencies identify a case's subject: "Valerie Victimson, born 1 March 1990"."""
    if not name:
        return ""
    if date_of_birth is None:
        return f"{name}, date of birth not known"
    return f"{name}, born {date_of_birth.day} {date_of_birth.strftime('%B %Y')}"


def coordinated_note(signed_off_by: str, signed_off_on: date | None) -> str:
    """``Co-ordinated (not heard at the meeting). Signed off by Ann Chair on 3 December 2026.``
    (or "Not yet signed off by the chair.")."""
    if signed_off_on is None:
        return f"{COORDINATED_MARK}. Not yet signed off by the chair."
    who = f" by {signed_off_by}" if signed_off_by else ""
    return f"{COORDINATED_MARK}. Signed off{who} on {format_long_date(signed_off_on)}."


@dataclass(frozen=True, slots=True)
class Deferral:
    """A case on the list that the chair deferred to a later meeting without discussing it."""

    reference: str
    to_date: date
    reason: str  # plain text about the hearing, never narrative of the case
    case_id: int | None = None  # for the audit trail of a read or a copy; never printed

    @property
    def text(self) -> str:
        """``Case MIN-2026-0002 was deferred to the meeting on 14 January 2027: <reason>``."""
        return (
            f"Case {self.reference} was deferred to the meeting on "
            f"{format_long_date(self.to_date)}: {self.reason}"
        )


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A person's acknowledgement of the confidentiality statement."""

    name: str
    agency: str
    when: datetime | None = None
    how: str = ""  # e.g. "in the room", "online before the meeting"


@dataclass(frozen=True, slots=True)
class Present:
    name: str
    agency: str


@dataclass(frozen=True, slots=True)
class Apology:
    name: str
    agency: str
    information_sent: bool = False


@dataclass(frozen=True, slots=True)
class Observer:
    name: str
    organisation: str


@dataclass(frozen=True, slots=True)
class MinutesDocument:
    """Everything printed in the restricted minutes of one meeting."""

    area_name: str
    meeting_title: str
    meeting_date: date
    starts_at: datetime | None
    ends_at: datetime | None
    venue: str
    chair_name: str
    minutes_version: int
    approved_at: datetime | None
    statement_version: int | str
    statement_text: str
    acknowledgements: tuple[Acknowledgement, ...] = ()
    present: tuple[Present, ...] = ()
    apologies: tuple[Apology, ...] = ()
    observers: tuple[Observer, ...] = ()
    outstanding_actions: tuple[ActionLine, ...] = ()
    cases: tuple[CaseSection, ...] = ()
    deferrals: tuple[Deferral, ...] = ()


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    """The meeting details printed on an action extract (no case narrative)."""

    area_name: str
    meeting_title: str
    meeting_date: date
    venue: str = ""
    chair_name: str = ""
    minutes_version: int = 1


def minutes_title(area_name: str, meeting_date: date) -> str:
    """The PDF title: names the meeting, never a person."""
    return f"MARAC minutes – {area_name} – {format_long_date(meeting_date)}"


def extract_title(area_name: str, meeting_date: date, agency_name: str) -> str:
    return f"MARAC actions for {agency_name} – {area_name} – {format_long_date(meeting_date)}"
