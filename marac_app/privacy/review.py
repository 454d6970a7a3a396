"""The passages of narrative text a subject access copy would release, and the DPO's review
of each before anything goes out.

Which passages belong to a requester is decided **by structure**, never by looking for names
in the text (``passages_for``):

- minute entries whose *subject* is the requester's kind of person — the victim: entries
  about the victim and about the household; an alleged perpetrator: entries about the
  perpetrator; a child or other vulnerable adult: entries about the children and vulnerable
  adults and about the household. A *victim's view* is only ever the victim's, whatever its
  subject;
- the items of agencies' research returns, by the same subjects (a return's "information held
  but not shared" is not released: it is read by the chair, the coordinator and the
  returning agency only);
- for the victim only (the case is her record): the reasons given on each referral, the
  chair's risk summary and the actions agreed. Actions record no subject, so they are not
  released to anyone else;
- a referrer: no narrative at all (what they wrote is about the victim).

Narrative still mentions other people, so each passage needs a decision — disclose, redact
the words listed (each replaced by ``[redacted]``) or withhold it under an exemption — taken
on the exact text (its SHA-256 is stored): if the text changes later, the decision no longer
counts and the passage must be reviewed again. ``released`` refuses while any passage is
undecided. Decisions are audited with ids and the decision only, never the text or the words.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac_app.action_items.models import ActionItem
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON, format_long_date
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.minutes.models import RISK_FIELDS, EntryKind, MinuteEntry, RiskSummary, Subject
from marac_app.privacy.models import (
    Exemption,
    PassageDecision,
    PassageReview,
    SubjectRequest,
    SubjectRequestCase,
    SubjectRole,
)
from marac_app.referrals.models import AgendaItem, Case
from marac_app.research.models import ResearchReturn, ResearchReturnItem

REDACTED = "[redacted]"
MAX_REDACTIONS = 50
MAX_PHRASE = 200
NOTE_MAX = 500

# The minute-entry subjects that are about each kind of requester.
SUBJECTS_FOR_ROLE: dict[SubjectRole, frozenset[Subject]] = {
    SubjectRole.VICTIM: frozenset({Subject.VICTIM, Subject.HOUSEHOLD}),
    SubjectRole.PERPETRATOR: frozenset({Subject.PERPETRATOR}),
    SubjectRole.CHILD: frozenset({Subject.CHILD_OR_VULNERABLE_ADULT, Subject.HOUSEHOLD}),
    SubjectRole.VULNERABLE_ADULT: frozenset({Subject.CHILD_OR_VULNERABLE_ADULT, Subject.HOUSEHOLD}),
    SubjectRole.REFERRER: frozenset(),
}


def uk_date(value: date | datetime) -> str:
    """A date as the public reads it: "12 March 2026" (a datetime in Europe/London)."""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return format_long_date(value)


def plain_text(text_html: str) -> str:
    """Sanitised rich text as plain text: block ends become line breaks, tags are dropped,
    entities decoded, runs of blank lines collapsed."""
    text = re.sub(r"<\s*(br|/p|/li|/h\d)\s*/?>", "\n", text_html, flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return re.sub(r"\n\s*\n+", "\n", text).strip()


@dataclass(frozen=True)
class Passage:
    """One piece of narrative that would be released: where it comes from, and its text."""

    key: str  # "entry:12", "action:3", "referral:5:reasons", "risk:7:harm_identified"
    section: str  # "Minutes", "Risk summary", "Referral", "Action"
    source: str  # "Meeting of 10 March 2026"
    description: str  # "Fact, shared by Fenshire Constabulary"
    text: str

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def anchor(self) -> str:
        return "passage-" + self.key.replace(":", "-")


def _meeting_date(item: AgendaItem) -> str:
    return uk_date(item.meeting.starts_at)


def _entries(case: Case, role: SubjectRole) -> list[Passage]:
    subjects = SUBJECTS_FOR_ROLE[role]
    if not subjects:
        return []
    query = (
        sa.select(MinuteEntry)
        .join(AgendaItem, AgendaItem.id == MinuteEntry.agenda_item_id)
        .where(AgendaItem.case_id == case.id, MinuteEntry.subject.in_(subjects))
        .options(
            selectinload(MinuteEntry.agenda_item).selectinload(AgendaItem.meeting),
            selectinload(MinuteEntry.source_agency),
        )
        .order_by(MinuteEntry.id)
    )
    if role != SubjectRole.VICTIM:
        query = query.where(MinuteEntry.kind != EntryKind.VICTIMS_VIEW)
    entries = sorted(
        db.session.scalars(query), key=lambda e: (e.agenda_item.meeting.starts_at, e.id)
    )
    return [
        Passage(
            key=f"entry:{entry.id}",
            section="Minutes",
            source=f"Meeting of {_meeting_date(entry.agenda_item)}",
            description=f"{_entry_kind(entry)}, shared by {entry.source_agency.name}",
            text=plain_text(entry.text_html),
        )
        for entry in entries
    ]


def _return_items(case: Case, role: SubjectRole) -> list[Passage]:
    """The submitted research returns' items about the requester's kind of person."""
    subjects = SUBJECTS_FOR_ROLE[role]
    if not subjects:
        return []
    rows = db.session.scalars(
        sa.select(ResearchReturnItem)
        .join(ResearchReturn, ResearchReturn.id == ResearchReturnItem.return_id)
        .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
        .where(
            AgendaItem.case_id == case.id,
            ResearchReturn.submitted_at.is_not(None),
            ResearchReturnItem.subject.in_(subjects),
        )
        .options(
            selectinload(ResearchReturnItem.research_return)
            .selectinload(ResearchReturn.agenda_item)
            .selectinload(AgendaItem.meeting),
            selectinload(ResearchReturnItem.research_return).selectinload(ResearchReturn.agency),
        )
    )
    found = sorted(
        rows,
        key=lambda i: (i.research_return.agenda_item.meeting.starts_at, i.return_id, i.position),
    )
    return [
        Passage(
            key=f"return_item:{row.id}",
            section="Research return",
            source=f"Research for the meeting of {_meeting_date(row.research_return.agenda_item)}",
            description=f"{row.kind.label} about the {row.subject.label.lower()}, "
            f"returned by {row.research_return.agency.name}",
            text=plain_text(row.text_html),
        )
        for row in found
    ]


def _entry_kind(entry: MinuteEntry) -> str:
    """ "Fact about the perpetrator"; a victim's view says whose it is already."""
    if entry.kind == EntryKind.VICTIMS_VIEW:
        return entry.kind.label
    return f"{entry.kind.label} about the {entry.subject.label.lower()}"


def _victim_only(case: Case) -> list[Passage]:
    passages = [
        Passage(
            key=f"referral:{referral.id}:reasons",
            section="Referral",
            source=f"Referral of {uk_date(referral.referred_on)}",
            description="Reasons given for the referral",
            text=(referral.reasons or "").strip(),
        )
        for referral in case.referrals
        if (referral.reasons or "").strip()
    ]
    summaries = sorted(
        db.session.scalars(
            sa.select(RiskSummary)
            .join(AgendaItem, AgendaItem.id == RiskSummary.agenda_item_id)
            .where(AgendaItem.case_id == case.id)
            .options(selectinload(RiskSummary.agenda_item).selectinload(AgendaItem.meeting))
        ),
        key=lambda s: (s.agenda_item.meeting.starts_at, s.id),
    )
    for summary in summaries:
        for name, label in RISK_FIELDS.items():
            text = plain_text(getattr(summary, name) or "")
            if text:
                passages.append(
                    Passage(
                        key=f"risk:{summary.id}:{name}",
                        section="Risk summary",
                        source=f"Meeting of {_meeting_date(summary.agenda_item)}",
                        description=f"The chair's risk summary: {label.lower()}",
                        text=text,
                    )
                )
    actions = db.session.scalars(
        sa.select(ActionItem)
        .where(ActionItem.case_id == case.id)
        .options(selectinload(ActionItem.owner_agency))
        .order_by(ActionItem.id)
    )
    passages += [
        Passage(
            key=f"action:{action.id}",
            section="Action",
            source=f"Action for {action.owner_agency.name}",
            description=f"Due {uk_date(action.due_date)}. Status: {action.status.label}",
            text=action.description.strip(),
        )
        for action in actions
    ]
    return passages


def passages_for(link: SubjectRequestCase, case: Case) -> list[Passage]:
    """The passages that belong to the requester of ``link`` in ``case`` (module docstring);
    none while the link records no role."""
    if link.subject_role is None:
        return []
    role = SubjectRole(link.subject_role)
    passages = _entries(case, role) + _return_items(case, role)
    if role == SubjectRole.VICTIM:
        passages = _victim_only(case) + passages
    return passages


@dataclass(frozen=True)
class PassageState:
    """A passage with the decision recorded on it, if any."""

    passage: Passage
    review: PassageReview | None

    @property
    def decided(self) -> bool:
        return self.review is not None and self.review.text_hash == self.passage.text_hash

    @property
    def stale(self) -> bool:
        """Decided on a text that has since changed: the decision no longer counts."""
        return self.review is not None and not self.decided


def states(link: SubjectRequestCase, case: Case) -> list[PassageState]:
    reviews = (
        {
            r.passage_key: r
            for r in db.session.scalars(
                sa.select(PassageReview).where(PassageReview.link_id == link.id)
            )
        }
        if link.id
        else {}
    )
    return [PassageState(p, reviews.get(p.key)) for p in passages_for(link, case)]


@dataclass(frozen=True)
class Progress:
    total: int
    decided: int
    stale: int

    @property
    def complete(self) -> bool:
        return self.decided == self.total


def progress(found: list[PassageState]) -> Progress:
    return Progress(
        total=len(found), decided=sum(s.decided for s in found), stale=sum(s.stale for s in found)
    )


# --- Decisions ------------------------------------------------------------------------------


def phrases(text: str | None) -> list[str]:
    """The words to redact as typed: one phrase per line, blanks and repeats dropped."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        phrase = " ".join(line.split())
        if phrase and phrase.casefold() not in {p.casefold() for p in seen}:
            seen.append(phrase)
    return seen


def _pattern(phrase: str) -> re.Pattern[str]:
    """``phrase`` as whole words (so "Ann" does not match inside "Annual"), any case, any
    run of spaces between its words."""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    start = r"(?<!\w)" if re.match(r"\w", phrase) else ""
    end = r"(?!\w)" if re.search(r"\w$", phrase) else ""
    return re.compile(start + body + end, re.IGNORECASE)


def redact(text: str, redactions: list[str]) -> str:
    """``text`` with every occurrence of each phrase replaced by ``[redacted]`` (longest
    phrases first, so "Ann Smith" goes before "Ann")."""
    for phrase in sorted(redactions, key=len, reverse=True):
        text = _pattern(phrase).sub(REDACTED, text)
    return text


def _find(link: SubjectRequestCase, case: Case, passage_key: str) -> Passage:
    passage = next((p for p in passages_for(link, case) if p.key == passage_key), None)
    if passage is None:
        raise ServiceError("This passage is no longer part of the copy. Review the page again")
    return passage


def _check_redactions(passage: Passage, redactions: list[str]) -> None:
    if not redactions:
        raise ServiceError(
            "Enter the words to redact, one word or phrase on each line", field="redactions"
        )
    if len(redactions) > MAX_REDACTIONS:
        raise ServiceError(
            f"Enter {MAX_REDACTIONS} words or phrases to redact or fewer", field="redactions"
        )
    for phrase in redactions:
        if len(phrase) > MAX_PHRASE:
            raise ServiceError(
                f"Each word or phrase to redact must be {MAX_PHRASE} characters or fewer",
                field="redactions",
            )
        if not _pattern(phrase).search(passage.text):
            raise ServiceError(
                f"The passage does not contain “{phrase}”. Copy the words "
                "exactly as they appear in the passage",
                field="redactions",
            )


def decide(
    request: SubjectRequest,
    link: SubjectRequestCase,
    case: Case,
    *,
    passage_key: str,
    decision: PassageDecision | None,
    redactions: list[str],
    exemption: Exemption | None,
    note: str | None,
    actor: User,
) -> PassageReview:
    """Record the DPO's decision on one passage of ``link`` (replacing an earlier one), on
    the passage's current text. Raises ``ServiceError`` (with the form field) for a passage
    that is not part of the copy, no decision, redactions missing or not in the text, or a
    withholding without its exemption ("other" needs the exemption described in ``note``).
    """
    passage = _find(link, case, passage_key)
    if decision is None:
        raise ServiceError(
            "Select whether to disclose, redact or withhold the passage", field="decision"
        )
    note = (note or "").strip() or None
    if decision == PassageDecision.REDACT:
        _check_redactions(passage, redactions)
    if decision == PassageDecision.WITHHOLD:
        if exemption is None:
            raise ServiceError("Select the exemption you are relying on", field="exemption")
        if exemption == Exemption.OTHER and note is None:
            raise ServiceError("Enter the exemption you are relying on", field="note")
        if note is not None and len(note) > NOTE_MAX:
            raise ServiceError(
                f"The exemption must be {NOTE_MAX} characters or fewer", field="note"
            )
    review = db.session.scalar(
        sa.select(PassageReview).where(
            PassageReview.link_id == link.id, PassageReview.passage_key == passage.key
        )
    )
    if review is None:
        review = PassageReview(
            request_id=request.id, link_id=link.id, case_id=case.id, passage_key=passage.key
        )
        db.session.add(review)
    review.text_hash = passage.text_hash
    review.decision = decision
    review.redactions = redactions if decision == PassageDecision.REDACT else None
    withheld = decision == PassageDecision.WITHHOLD
    review.exemption = exemption if withheld else None
    review.note = note if withheld and exemption == Exemption.OTHER else None
    review.decided_by_id = actor.id
    review.decided_at = utcnow()
    db.session.flush()
    detail = f"case={case.id} passage={passage.key} decision={decision.value}"
    if decision == PassageDecision.REDACT:
        detail += f" redactions={len(redactions)}"
    if withheld and exemption is not None:
        detail += f" exemption={exemption.value}"
    record(
        AuditAction.SUBJECT_PASSAGE_REVIEWED,
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        detail=detail,
    )
    return review


# --- The reviewed result ----------------------------------------------------------------------


class ReviewIncomplete(ServiceError):
    """Some passage has no (current) decision: nothing may be exported yet."""


@dataclass(frozen=True)
class Released:
    """What the review lets out: each disclosed passage with its (redacted) text, and each
    withheld one with the exemption relied on, in the order of the copy."""

    disclosed: list[tuple[Passage, str]]
    withheld: list[tuple[Passage, str]]
    redacted: int


def exemption_text(review: PassageReview) -> str:
    if review.exemption == Exemption.OTHER and review.note:
        return review.note
    return Exemption(review.exemption).label if review.exemption else ""


def released(link: SubjectRequestCase, case: Case) -> Released:
    """The reviewed passages of ``link``. Raises ``ReviewIncomplete`` while any passage is
    undecided or was decided on a text that has changed since."""
    found = states(link, case)
    done = progress(found)
    if not done.complete:
        waiting = done.total - done.decided
        message = (
            f"Review every passage before exporting: {waiting} of {done.total} "
            f"still {'needs' if waiting == 1 else 'need'} a decision"
        )
        if done.stale:
            since = "it was" if done.stale == 1 else "they were"
            message += f" ({done.stale} changed since {since} reviewed)"
        raise ReviewIncomplete(message)
    disclosed: list[tuple[Passage, str]] = []
    withheld: list[tuple[Passage, str]] = []
    redacted = 0
    for state in found:
        review = state.review
        assert review is not None
        if review.decision == PassageDecision.WITHHOLD:
            withheld.append((state.passage, exemption_text(review)))
        elif review.decision == PassageDecision.REDACT:
            disclosed.append((state.passage, redact(state.passage.text, review.redactions or [])))
            redacted += 1
        else:
            disclosed.append((state.passage, state.passage.text))
    return Released(disclosed=disclosed, withheld=withheld, redacted=redacted)
