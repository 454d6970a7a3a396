"""What the system holds about a requester, for a subject access or portability request.

The copy is built **from structure**: the requester's role in the case (recorded when the DPO
attached it, ``SubjectRequestCase.subject_role``) decides which fields and which passages
belong to them, and nothing else is ever read into it:

- the requester's own records — on each referral where they appear, only the fields of their
  role (``ROLE_FIELDS``): a victim gets her contact details, safe-contact answers and
  diversity answers; an alleged perpetrator, a child or another vulnerable adult gets their
  name, other names, date of birth, gender and relationship (and household, for the
  household); a referrer gets their name, job title and agency. Another person's fields —
  above all a victim's address, safe contact details, views and diversity answers — are
  never part of anyone else's copy, whatever the DPO chooses;
- the passages of narrative text that ``marac_app.privacy.review`` selects for the role, as
  the DPO's review released them (redacted or withheld — withheld passages are listed with
  the exemption relied on);
- who received the minutes of the meetings that heard the case, and corrections made to the
  requester's records.

Everything is in plain words and UK dates ("12 March 2026"), never codes, in the JSON as in the
PDF. The JSON structure is ``templates/privacy/subject_export.schema.json``.

``subject_export(link, case)`` raises ``ServiceError`` (``ReviewIncomplete``) until every
passage is reviewed; ``export_json(data)`` and ``export_pdf(data)`` are pure functions.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import render_template

from marac_app.common.errors import ServiceError
from marac_app.common.time import london_today
from marac_app.distribution.models import DocumentCopy, MasterKind
from marac_app.documents.pdf import html_to_pdf
from marac_app.extensions import db
from marac_app.privacy import review
from marac_app.privacy.models import Rectification, SubjectRequestCase, SubjectRole
from marac_app.referrals.models import AgendaItem, Case, CaseStatus, Referral
from marac_app.referrals.people import CHOICE_LABELS, Person, normalise_name

SCHEMA_VERSION = 2
SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "templates" / "privacy" / "subject_export.schema.json"
)

FIELD_LABELS = {
    "full_name": "Full name",
    "aliases": "Other names",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "address": "Address",
    "safe_phone": "Safe phone number",
    "safe_email": "Safe email address",
    "safe_to_call": "Safe to call",
    "safe_to_text": "Safe to send a text message",
    "safe_to_email": "Safe to email",
    "sexuality": "Sexual orientation",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "language": "Language",
    "interpreter_needed": "Needs an interpreter",
    "relationship_to_victim": "Relationship to the victim",
    "lives_in_household": "Lives in the household",
}

_IDENTITY = ("full_name", "aliases", "date_of_birth", "gender")
# The fields of a person's record that are theirs, by role. Nothing outside this list is read.
ROLE_FIELDS: dict[SubjectRole, tuple[str, ...]] = {
    SubjectRole.VICTIM: (
        *_IDENTITY,
        "address",
        "safe_phone",
        "safe_email",
        "safe_to_call",
        "safe_to_text",
        "safe_to_email",
        "sexuality",
        "ethnicity",
        "disability",
        "language",
        "interpreter_needed",
    ),
    SubjectRole.PERPETRATOR: (*_IDENTITY, "relationship_to_victim"),
    SubjectRole.CHILD: (*_IDENTITY, "relationship_to_victim", "lives_in_household"),
    SubjectRole.VULNERABLE_ADULT: (*_IDENTITY, "relationship_to_victim", "lives_in_household"),
}

DOCUMENT_LABELS = {
    MasterKind.MINUTES: "Minutes of the meeting",
    MasterKind.ACTION_EXTRACT: "The agency's extract of the actions",
}
NOT_RECORDED = "Not recorded"


def plain(value: object) -> str:
    """A stored value in plain words: "Not recorded", "Yes"/"No", a UK date, a choice's
    label (never its code), or the text itself."""
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return review.uk_date(value)
    if isinstance(value, enum.Enum):
        code = str(value.value)
        return CHOICE_LABELS.get(code, code.replace("_", " ").capitalize())
    return str(value)


@dataclass(frozen=True)
class RequesterRecord:
    """The requester's details as recorded on one referral."""

    recorded_on: date
    details: list[tuple[str, str]]
    person_id: int | None


def _referrals(case: Case) -> list[Referral]:
    return sorted(case.referrals, key=lambda r: (r.referred_on, r.id))


def requester_people(link: SubjectRequestCase, case: Case) -> list[Person]:
    """The requester's records in ``case`` (one per referral they appear on): for a victim,
    the victim of every referral; for anyone else, the person attached and the records of
    the same role and name on the case's other referrals. Empty when the attached record is
    gone (erased) or belongs to another case."""
    role = link.subject_role
    if role is None or role == SubjectRole.REFERRER:
        return []
    if role == SubjectRole.VICTIM:
        return [r.victim for r in _referrals(case) if r.victim is not None]
    anchor = db.session.get(Person, link.person_id) if link.person_id else None
    referral_ids = {r.id for r in case.referrals}
    if anchor is None or anchor.referral_id not in referral_ids or anchor.role.value != role:
        return []
    return [
        p
        for r in _referrals(case)
        for p in r.people
        if p.role == anchor.role
        and (p.id == anchor.id or p.normalised_name == anchor.normalised_name)
    ]


def _referrer_referrals(link: SubjectRequestCase, case: Case) -> list[Referral]:
    anchor = db.session.get(Referral, link.referral_id) if link.referral_id else None
    if anchor is None or anchor.case_id != case.id:
        return []
    key = normalise_name(anchor.referrer_name)
    return [r for r in _referrals(case) if normalise_name(r.referrer_name) == key]


def requester_records(link: SubjectRequestCase, case: Case) -> list[RequesterRecord]:
    """The requester's own fields on each referral (``ROLE_FIELDS``), in plain words."""
    role = link.subject_role
    if role == SubjectRole.REFERRER:
        return [
            RequesterRecord(
                r.referred_on,
                [
                    ("Name", r.referrer_name),
                    ("Job title", plain(r.referrer_role)),
                    ("Agency", r.referring_agency.name),
                ],
                None,
            )
            for r in _referrer_referrals(link, case)
        ]
    if role is None:
        return []
    fields = ROLE_FIELDS[SubjectRole(role)]
    by_referral = {r.id: r for r in case.referrals}
    records = []
    for person in requester_people(link, case):
        details = [(FIELD_LABELS[name], plain(getattr(person, name))) for name in fields]
        referral = by_referral[person.referral_id]
        if role == SubjectRole.VICTIM:
            details += [
                ("Referring agency", referral.referring_agency.name),
                ("Reason for the referral", referral.criterion.label),
                ("Repeat referral", plain(referral.is_repeat)),
                ("Risk checklist (DASH) score", plain(referral.dash_score)),
            ]
        records.append(RequesterRecord(referral.referred_on, details, person.id))
    return records


def requester_name(link: SubjectRequestCase, case: Case) -> str | None:
    """The requester's name as last recorded in the case (None when nothing is held)."""
    if link.subject_role == SubjectRole.REFERRER:
        referrals = _referrer_referrals(link, case)
        return referrals[-1].referrer_name if referrals else None
    people = requester_people(link, case)
    return people[-1].full_name if people else None


def _shared_with(case: Case) -> list[dict[str, str]]:
    meeting_ids = sa.select(AgendaItem.meeting_id).where(AgendaItem.case_id == case.id)
    copies = db.session.scalars(
        sa.select(DocumentCopy)
        .where(DocumentCopy.meeting_id.in_(meeting_ids))
        .order_by(DocumentCopy.issued_at, DocumentCopy.id)
    )
    return [
        {
            "agency": copy.recipient_agency,
            "date": review.uk_date(copy.issued_at),
            "document": DOCUMENT_LABELS.get(copy.kind, plain(copy.kind)),
        }
        for copy in copies
    ]


def _rectifications(person_ids: list[int]) -> list[dict[str, str]]:
    if not person_ids:
        return []
    found = db.session.scalars(
        sa.select(Rectification)
        .where(Rectification.person_id.in_(person_ids))
        .order_by(Rectification.id)
    )
    return [
        {
            "item": FIELD_LABELS.get(r.field, r.field.replace("_", " ").capitalize()),
            "old_value": plain(r.old_value),
            "new_value": plain(r.new_value),
            "date": review.uk_date(r.at),
        }
        for r in found
    ]


def _passage(passage: review.Passage) -> dict[str, str]:
    return {
        "section": passage.section,
        "source": passage.source,
        "description": passage.description,
    }


def check_exportable(link: SubjectRequestCase, case: Case) -> list[RequesterRecord]:
    """The requester's records, or ``ServiceError`` when the link does not say who the
    requester is or their records are no longer held."""
    if link.subject_role is None:
        raise ServiceError(
            f"Choose who the requester is in case {case.reference} before exporting anything"
        )
    records = requester_records(link, case)
    if not records:
        raise ServiceError(
            f"The requester's record in case {case.reference} is no longer "
            "held: there is nothing to export"
        )
    return records


def subject_export(link: SubjectRequestCase, case: Case) -> dict[str, Any]:
    """The copy for the requester of ``link`` in ``case`` (module docstring). Raises
    ``ServiceError`` when the requester is not identified, and ``review.ReviewIncomplete``
    until every passage has a current decision."""
    records = check_exportable(link, case)
    result = review.released(link, case)
    role = link.subject_role
    assert role is not None  # check_exportable refused a link without one
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_on": review.uk_date(london_today()),
        "requester": {"name": requester_name(link, case), "role": role.label},
        "case": {
            "reference": case.reference,
            "area": case.area.name,
            "status": "Closed" if case.status == CaseStatus.CLOSED else "Open",
            "closed_on": review.uk_date(case.closed_on) if case.closed_on else None,
        },
        "records": [
            {
                "recorded_on": review.uk_date(r.recorded_on),
                "details": [{"item": item, "value": value} for item, value in r.details],
            }
            for r in records
        ],
        "passages": [{**_passage(p), "text": text} for p, text in result.disclosed],
        "withheld": [{**_passage(p), "exemption": exemption} for p, exemption in result.withheld],
        "shared_with": _shared_with(case),
        "rectifications": _rectifications([r.person_id for r in records if r.person_id]),
    }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def export_pdf(data: dict[str, Any]) -> bytes:
    """The same copy as a tagged PDF (restricted fetcher, no personal metadata)."""
    title = f"Copy of your personal data – case {data['case']['reference']}"
    return html_to_pdf(
        render_template(
            "privacy/subject_export_pdf.html", data=data, title=title, redacted=review.REDACTED
        )
    )


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
