"""Data-protection records: retention policy, legal holds, restrictions, anonymous case
statistics, data-subject requests, rectification history and the privacy notice.

Which tables point at ``marac_case`` matters: the retention purge deletes every row that
hangs off a case through a foreign key (discovered from the metadata). So legal holds,
restrictions and rectification history (personal data) carry a foreign key and go with the
case, while ``case_statistic`` and the request log deliberately carry plain ids and survive.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.auth.models import User
from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum, updated_at, utcnow
from marac_app.referrals.people import PERSON_ROLE_LABELS, PersonRole


class RetentionPolicy(Model):
    """How long one type of record is kept, counted from ``basis``.

    ``record_type`` "case" (the whole case: referrals, people, agenda items, minutes, actions)
    is the one the purge acts on; its default is 7 years after the case closed.
    """

    __tablename__ = "retention_policy"

    id: Mapped[intpk]
    record_type: Mapped[str] = mapped_column(sa.String(40), unique=True)
    years: Mapped[int] = mapped_column()
    basis: Mapped[str] = mapped_column(sa.String(255))
    updated_at: Mapped[updated_at]


class CaseLegalHold(Model):
    """A case the purge must not delete (litigation, a domestic homicide review …)."""

    __tablename__ = "case_legal_hold"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_case.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    set_by: Mapped[User | None] = relationship()


class CaseStatistic(Model):
    """One anonymous row per case per meeting it was heard at, for the SafeLives return.

    Written by ``marac_app.privacy.retention.snapshot_case_statistics(case)`` before a case is
    purged (retention or erasure) so the quarterly return still counts it. No foreign keys: the
    row outlives the case. Columns:

    - ``case_id`` – the purged case's old id (plain number, no link; for de-duplication only);
    - ``meeting_id``, ``area_id``, ``meeting_date`` (Europe/London date of the meeting);
    - ``is_repeat`` – the referral heard was a repeat referral;
    - ``children_count`` – children recorded in the household on that referral;
    - ``referring_agency_id``, ``referring_agency_kind`` (an ``AgencyKind`` value);
    - victim flags, each True / False / None where None means *not recorded*:
      ``victim_racially_minoritised``, ``victim_lgbt``, ``victim_disabled``, ``victim_male``,
      ``victim_aged_16_17``, ``victim_aged_65_plus`` (age on the meeting date);
    - ``perpetrator_under_18`` – any alleged perpetrator under 18 on the meeting date
      (None when no perpetrator's date of birth was recorded);
    - ``purged_at`` – set when the case was deleted (None while the case still exists).
    """

    __tablename__ = "case_statistic"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(index=True)
    meeting_id: Mapped[int] = mapped_column(index=True)
    area_id: Mapped[int] = mapped_column(index=True)
    meeting_date: Mapped[date] = mapped_column(sa.Date(), index=True)
    is_repeat: Mapped[bool] = mapped_column()
    children_count: Mapped[int | None] = mapped_column()
    referring_agency_id: Mapped[int | None] = mapped_column()
    referring_agency_kind: Mapped[str | None] = mapped_column(sa.String(40))
    victim_racially_minoritised: Mapped[bool | None] = mapped_column()
    victim_lgbt: Mapped[bool | None] = mapped_column()
    victim_disabled: Mapped[bool | None] = mapped_column()
    victim_male: Mapped[bool | None] = mapped_column()
    victim_aged_16_17: Mapped[bool | None] = mapped_column()
    victim_aged_65_plus: Mapped[bool | None] = mapped_column()
    perpetrator_under_18: Mapped[bool | None] = mapped_column()
    created_at: Mapped[created_at]
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("case_id", "meeting_id"),)


class SubjectRight(enum.StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"

    @property
    def label(self) -> str:
        return RIGHT_LABELS[self]


RIGHT_LABELS = {
    SubjectRight.ACCESS: "Access (a copy of their data)",
    SubjectRight.RECTIFICATION: "Rectification (correct inaccurate data)",
    SubjectRight.ERASURE: "Erasure (delete their data)",
    SubjectRight.RESTRICTION: "Restriction of processing",
    SubjectRight.PORTABILITY: "Data portability (a common electronic format)",
    SubjectRight.OBJECTION: "Objection",
}


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "in_progress": "In progress",
            "completed": "Completed",
            "refused": "Refused",
        }[self.value]

    @property
    def is_closed(self) -> bool:
        return self in (RequestStatus.COMPLETED, RequestStatus.REFUSED)


class SubjectRequest(Model):
    """One data-subject request, as logged by the DPO. Survives the erasure it may cause."""

    __tablename__ = "subject_request"

    id: Mapped[intpk]
    person_name: Mapped[str] = mapped_column(sa.String(120))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date())
    right: Mapped[SubjectRight] = mapped_column(str_enum(SubjectRight, length=20))
    received_on: Mapped[date] = mapped_column(sa.Date())
    due_on: Mapped[date] = mapped_column(sa.Date(), index=True)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, length=20), default=RequestStatus.OPEN, index=True
    )
    details: Mapped[str | None] = mapped_column(sa.Text())
    decision: Mapped[str | None] = mapped_column(sa.String(500))
    reason: Mapped[str | None] = mapped_column(sa.Text())
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_on: Mapped[date | None] = mapped_column(sa.Date())
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    handled_by: Mapped[User | None] = relationship()
    cases: Mapped[list[SubjectRequestCase]] = relationship(
        order_by="SubjectRequestCase.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def is_overdue(self, on: date) -> bool:
        return not self.status.is_closed and self.due_on < on


class SubjectRole(enum.StrEnum):
    """Who the requester is in a case: a person's role on a referral (the values are those of
    ``PersonRole``, so the two compare equal), or the professional who made a referral."""

    VICTIM = PersonRole.VICTIM.value
    PERPETRATOR = PersonRole.PERPETRATOR.value
    CHILD = PersonRole.CHILD.value
    VULNERABLE_ADULT = PersonRole.VULNERABLE_ADULT.value
    REFERRER = "referrer"

    @property
    def label(self) -> str:
        return SUBJECT_ROLE_LABELS[self]


SUBJECT_ROLE_LABELS = {
    **{SubjectRole(role.value): label for role, label in PERSON_ROLE_LABELS.items()},
    SubjectRole.REFERRER: "Referrer (the professional who made the referral)",
}


class SubjectRequestCase(Model):
    """A case attached to a request, with who the requester is in it. Plain ``case_id`` (no
    foreign key): the log must outlive an erasure; ``case_reference`` says which case it was.

    ``person_id`` is the requester's record on one referral of the case and ``subject_role``
    their role there (for a referrer, ``referral_id`` names the referral they made and
    ``person_id`` is None). Both are None on links made before roles were recorded: such a
    link exports nothing until the DPO has said who the requester is. The person's record
    goes with the case when it is erased (``ON DELETE SET NULL``); the role stays.
    """

    __tablename__ = "subject_request_case"

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(index=True)
    case_reference: Mapped[str] = mapped_column(sa.String(20))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the DPO erased it although it was open and on an upcoming meeting's case list.
    erasure_reason: Mapped[str | None] = mapped_column(sa.Text())
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referral_person.id", ondelete="SET NULL"), index=True
    )
    referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referral.id", ondelete="SET NULL")
    )
    subject_role: Mapped[SubjectRole | None] = mapped_column(str_enum(SubjectRole, length=20))

    __table_args__ = (sa.UniqueConstraint("request_id", "case_id"),)


class PassageDecision(enum.StrEnum):
    DISCLOSE = "disclose"
    REDACT = "redact"
    WITHHOLD = "withhold"

    @property
    def label(self) -> str:
        return {"disclose": "Disclose", "redact": "Redact some words", "withhold": "Withhold"}[
            self.value
        ]


class Exemption(enum.StrEnum):
    """The exemptions a DPO may rely on to withhold a passage (UK GDPR art. 15, DPA 2018)."""

    THIRD_PARTY = "third_party"
    CRIME = "crime"
    SERIOUS_HARM = "serious_harm"
    LEGAL_PRIVILEGE = "legal_privilege"
    OTHER = "other"

    @property
    def label(self) -> str:
        return EXEMPTION_LABELS[self]


EXEMPTION_LABELS = {
    Exemption.THIRD_PARTY: "Other people's personal data (Data Protection Act 2018, "
    "schedule 2, paragraph 16)",
    Exemption.CRIME: "Prevention or detection of crime (Data Protection Act 2018, schedule 2, "
    "paragraph 2)",
    Exemption.SERIOUS_HARM: "Serious harm to someone's physical or mental health (Data "
    "Protection Act 2018, schedule 3)",
    Exemption.LEGAL_PRIVILEGE: "Legal professional privilege (Data Protection Act 2018, "
    "schedule 2, paragraph 19)",
    Exemption.OTHER: "Another exemption",
}


class PassageReview(Model):
    """The DPO's decision on one passage of narrative text before it is released to a
    requester: disclose it, redact the listed words, or withhold it under an exemption.

    ``passage_key`` names the passage (``entry:12``, ``action:3``, ``referral:5:reasons``,
    ``risk:7:harm_identified``; see ``marac_app.privacy.review``) and ``text_hash`` is the
    SHA-256 of the text decided on: when the text changes, the decision no longer counts.
    ``redactions`` (the words taken out) are personal data, so the row hangs off the case by
    a foreign key and goes when the case is erased; the decision itself is in the audit trail.
    """

    __tablename__ = "subject_request_passage_review"

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subject_request_case.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("marac_case.id", ondelete="CASCADE"), index=True
    )
    passage_key: Mapped[str] = mapped_column(sa.String(60))
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    decision: Mapped[PassageDecision] = mapped_column(str_enum(PassageDecision, length=20))
    redactions: Mapped[list[str] | None] = mapped_column(sa.JSON())
    exemption: Mapped[Exemption | None] = mapped_column(str_enum(Exemption, length=20))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("link_id", "passage_key"),)


class Rectification(Model):
    """One corrected field of a victim's record: who, when, why and the old value.

    Linked to the person by foreign key, so the history (personal data) goes with the case.
    """

    __tablename__ = "rectification"

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral_person.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("subject_request.id", ondelete="SET NULL")
    )
    field: Mapped[str] = mapped_column(sa.String(40))
    old_value: Mapped[str | None] = mapped_column(sa.String(500))
    new_value: Mapped[str | None] = mapped_column(sa.String(500))
    reason: Mapped[str] = mapped_column(sa.String(500))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    by: Mapped[User | None] = relationship()


class PrivacyNoticeVersion(Model):
    """One version of the privacy notice text (simple Markdown-like text; the latest shows)."""

    __tablename__ = "privacy_notice_version"

    id: Mapped[intpk]
    version: Mapped[int] = mapped_column(unique=True)
    body: Mapped[str] = mapped_column(sa.Text())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[created_at]

    created_by: Mapped[User | None] = relationship()
