"""Cases and the case list (agenda) of each meeting.

A *case* is one victim's MARAC record in one area, with a reference like ``CAM-2026-0042``
used wherever a name is not needed. Each referral (first or repeat) belongs to a case. An
*agenda item* puts a case on a meeting's case list; minute entries and actions hang off it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency, MaracArea
from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum, updated_at, utcnow
from marac_app.meetings.models import Meeting
from marac_app.referrals.checklist import RiskChecklistVersion
from marac_app.referrals.people import Person, PersonRole


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Case(Model):
    """One victim's MARAC case in one area."""

    __tablename__ = "marac_case"

    id: Mapped[intpk]
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN)
    # Retention runs from here (7 years after the case closed, by default).
    closed_on: Mapped[date | None] = mapped_column(sa.Date(), index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[MaracArea] = relationship()
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="case",
        foreign_keys="Referral.case_id",
        order_by="(Referral.referred_on, Referral.id)",
    )

    __mapper_args__ = {"version_id_col": version}

    # Performance (migration 0014): the case list, newest first within an area.
    __table_args__ = (sa.Index("ix_marac_case_area_created", "area_id", "created_at"),)

    @property
    def last_referral(self) -> Referral | None:
        return self.referrals[-1] if self.referrals else None

    @property
    def victim(self) -> Person | None:
        """The victim as recorded on the case's latest referral (full_name, date_of_birth …)."""
        latest = self.last_referral
        return latest.victim if latest is not None else None

    def repeat_flag_expires_on(self, window_days: int) -> date | None:
        """The last day a new referral still counts as a repeat (last referral + window)."""
        latest = self.last_referral
        return latest.referred_on + timedelta(days=window_days) if latest else None


class Criterion(enum.StrEnum):
    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"

    @property
    def label(self) -> str:
        return CRITERION_LABELS[self]


CRITERION_LABELS = {
    Criterion.VISIBLE_HIGH_RISK: "Visible high risk (DASH score at or above the threshold)",
    Criterion.PROFESSIONAL_JUDGEMENT: "Professional judgement",
    Criterion.POTENTIAL_ESCALATION: "Potential escalation",
    Criterion.REPEAT: "Repeat referral",
}


class RepeatStatus(enum.StrEnum):
    """A possible repeat waits for the coordinator: confirmed joins the earlier case,
    rejected starts a new case."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class PreviousMarac(enum.StrEnum):
    """Was the victim referred to another MARAC before?"""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"

    @property
    def label(self) -> str:
        return {"yes": "Yes", "no": "No", "not_known": "Not known"}[self.value]


class Referral(Model):
    """One referral to the MARAC of an area.

    ``case_id`` is None only while a possible repeat waits for the coordinator's decision.
    """

    __tablename__ = "referral"

    id: Mapped[intpk]
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("marac_case.id"), index=True)
    referring_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    referrer_name: Mapped[str] = mapped_column(sa.String(120))
    referrer_role: Mapped[str | None] = mapped_column(sa.String(120))
    referred_on: Mapped[date] = mapped_column(sa.Date(), index=True)
    criterion: Mapped[Criterion] = mapped_column(str_enum(Criterion))
    reasons: Mapped[str | None] = mapped_column(sa.Text())
    escalation_incidents: Mapped[int | None] = mapped_column()
    escalation_window_months: Mapped[int | None] = mapped_column()
    checklist_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("risk_checklist_version.id"), index=True
    )
    # {"1": "yes", "2": "no", "3": "not_known", ...} keyed by question number.
    dash_answers: Mapped[dict[str, str] | None] = mapped_column(sa.JSON())
    dash_score: Mapped[int | None] = mapped_column()
    is_repeat: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    repeat_status: Mapped[RepeatStatus | None] = mapped_column(str_enum(RepeatStatus))
    # The earlier case this referral matched (or was linked to by the coordinator).
    linked_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("marac_case.id"), index=True)
    repeat_confirmed_by_coordinator: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    repeat_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    repeat_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Referred to another MARAC before (migration 0024; marac_app/transfers): yes / no / not
    # known, where (the MARAC's name) and when (a date, or a month when only that is known).
    previous_marac: Mapped[PreviousMarac | None] = mapped_column(str_enum(PreviousMarac, length=12))
    previous_marac_where: Mapped[str | None] = mapped_column(sa.String(200))
    previous_marac_on: Mapped[date | None] = mapped_column(sa.Date())
    previous_marac_month_only: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[MaracArea] = relationship()
    case: Mapped[Case | None] = relationship(back_populates="referrals", foreign_keys=[case_id])
    linked_case: Mapped[Case | None] = relationship(foreign_keys=[linked_case_id])
    referring_agency: Mapped[Agency] = relationship()
    checklist_version: Mapped[RiskChecklistVersion | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    people: Mapped[list[Person]] = relationship(
        order_by="(Person.role, Person.position, Person.id)", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def victim(self) -> Person | None:
        return next((p for p in self.people if p.role == PersonRole.VICTIM), None)

    @property
    def perpetrators(self) -> list[Person]:
        return [p for p in self.people if p.role == PersonRole.PERPETRATOR]

    @property
    def household(self) -> list[Person]:
        """Children and other vulnerable adults."""
        return [p for p in self.people if p.role in (PersonRole.CHILD, PersonRole.VULNERABLE_ADULT)]

    @property
    def children(self) -> list[Person]:
        return [p for p in self.people if p.role == PersonRole.CHILD]

    @property
    def awaiting_repeat_decision(self) -> bool:
        return self.repeat_status == RepeatStatus.PENDING


class CaseMode(enum.StrEnum):
    """How a case on a meeting's list is dealt with (issue 14): heard at the table, or
    co-ordinated — not heard; the agencies' research returns are its information, the chair
    agrees actions on its case page by a closing date and signs off its record."""

    HEARD = "heard"
    COORDINATED = "coordinated"

    @property
    def label(self) -> str:
        return "Heard" if self is CaseMode.HEARD else "Co-ordinated"


class AgendaItem(Model):
    """A case on a meeting's case list, in order. Minutes and actions of that hearing hang off
    it. A case appears at most once per meeting."""

    __tablename__ = "agenda_item"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_case.id"), index=True)
    # The referral being heard (None for a case brought back for review only).
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referral.id"))
    position: Mapped[int] = mapped_column(default=0)
    # Keeping time at the meeting (attendance.timing): the latest hearing's start and end
    # (UTC; no start = waiting, a start without an end = being heard) and the seconds of
    # earlier hearings of this item, when the chair came back to a case already heard.
    hearing_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hearing_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hearing_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    # Co-ordination (migration 0023; marac_app/coordination): the coordinator's triage sets
    # the mode and, for a co-ordinated case, its closing date (default: the meeting's date);
    # ``triage_version`` goes up with each triage change (a stale triage post is a conflict).
    # The chair's sign-off of a co-ordinated case's record: when, by whom, and why no
    # actions were agreed (when none were).
    mode: Mapped[CaseMode] = mapped_column(
        str_enum(CaseMode, length=20), default=CaseMode.HEARD, server_default=CaseMode.HEARD.value
    )
    closing_date: Mapped[date | None] = mapped_column(sa.Date())
    triage_version: Mapped[int] = mapped_column(default=1, server_default="1")
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A plain number, no foreign key: adding one to agenda_item would rebuild the table on
    # SQLite, which the foreign keys of the tables hanging off it refuse. Accounts are never
    # deleted (only deactivated), and the sign-off's audit event names the actor too.
    signed_off_by_id: Mapped[int | None] = mapped_column()
    no_actions_reason: Mapped[str | None] = mapped_column(sa.Text())
    created_at: Mapped[created_at]

    meeting: Mapped[Meeting] = relationship()
    case: Mapped[Case] = relationship()
    referral: Mapped[Referral | None] = relationship()
    signed_off_by: Mapped[User | None] = relationship(
        primaryjoin="foreign(AgendaItem.signed_off_by_id) == User.id", viewonly=True
    )

    @property
    def is_coordinated(self) -> bool:
        return self.mode == CaseMode.COORDINATED

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    __table_args__ = (sa.UniqueConstraint("meeting_id", "case_id"),)


# --- References that are never reused ------------------------------------------------------


class CaseReferenceCounter(Model):
    """The last case number given in an area in a year: ``CAM-2026-0042`` → (CAM, 2026, 42).

    It only ever goes up, so a number is never handed out twice — not after the case is
    erased or deleted at the end of retention either (the audit trail, every copy of the
    minutes and every agency file that cites a reference must keep meaning one person).
    ``marac_app.referrals.services.allocate_case_number`` is the one writer.
    """

    __tablename__ = "case_reference_counter"

    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column()


class ErasureBasis(enum.StrEnum):
    SUBJECT_REQUEST = "subject_request"
    RETENTION = "retention"

    @property
    def label(self) -> str:
        return {
            "subject_request": "Erased under a data-subject request",
            "retention": "Deleted at the end of its retention period",
        }[self.value]


class ErasedCase(Model):
    """What is left of a case after it was erased or deleted at the end of retention: its
    reference, area and dates, and why it went — no personal data at all.

    The audit trail (object ids), "who has viewed case X" and copies of minutes keep pointing
    at this row. It deliberately has no foreign key to ``marac_case`` (the purge deletes every
    row that hangs off a case) nor to ``subject_request`` (``request_id`` is a plain number
    that outlives the request log).
    """

    __tablename__ = "erased_case"

    id: Mapped[intpk]
    # The erased case's id, a plain number: audit events name the case by it.
    case_id: Mapped[int] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    case_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    case_closed_on: Mapped[date | None] = mapped_column(sa.Date())
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    basis: Mapped[ErasureBasis] = mapped_column(str_enum(ErasureBasis, length=20))
    # The data-subject request it was erased under (None for retention).
    request_id: Mapped[int | None] = mapped_column(index=True)
    # It was open and on an upcoming meeting's case list: the DPO recorded why it went anyway
    # (the reason itself is kept with the request, not here).
    was_on_upcoming_list: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    area: Mapped[MaracArea] = relationship()


_LAST_GIVEN_CASE_ID = "marac_last_given_case_id"


@event.listens_for(Case, "before_insert")
def _never_reuse_an_erased_case_id(mapper: object, connection: sa.Connection, target: Case) -> None:
    """SQLite gives a new row max(id) + 1, so erasing the newest case would hand its id —
    the id its audit events carry — to the next case. Skip past every erased id there.
    (PostgreSQL's sequences never go back; SQLite writers are serialised by BEGIN IMMEDIATE.)
    ``connection.info`` remembers the id just given, for several new cases in one flush."""
    if connection.dialect.name != "sqlite" or target.id is not None:
        return
    highest_erased = connection.scalar(sa.select(sa.func.max(ErasedCase.case_id)))
    if highest_erased is None:
        return
    highest = connection.scalar(sa.select(sa.func.max(Case.id))) or 0
    if highest_erased < highest:
        return
    given = max(highest_erased + 1, connection.info.get(_LAST_GIVEN_CASE_ID, 0) + 1)
    connection.info[_LAST_GIVEN_CASE_ID] = given
    target.id = given


class CaseRestriction(Model):
    """Restriction of processing (UK GDPR art. 18): only the coordinator and the DPO may see
    the case; it is left out of case lists and distribution."""

    __tablename__ = "case_restriction"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_case.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("subject_request.id", ondelete="SET NULL")
    )
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
