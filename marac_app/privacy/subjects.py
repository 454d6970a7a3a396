"""Finding the person a data-subject request is about, in whatever role they appear, and
attaching their records to the request once the DPO has confirmed them.

A request names a person; ``find_matches`` looks for them in **every role** (victim, alleged
perpetrator, child, other vulnerable adult, and the professional who made a referral) in
**every area**, by normalised full name or any of their other names, narrowed by date of birth
when one is given. Nothing is attached by the search: the DPO sees each match (case
reference, area, role in plain words, date of birth) and chooses. ``choices_in_case`` lists
everyone in one case, for attaching a case by its reference; the DPO must pick who the
requester is there — there is no default, least of all the victim.

``attach`` records the choice on the request (``SubjectRequestCase.person_id``,
``subject_role``), which decides everything the export may contain. Services flush, never
commit, and audit with ids and roles only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.common.ids import parse_id
from marac_app.extensions import db
from marac_app.privacy.models import PassageReview, SubjectRequest, SubjectRequestCase, SubjectRole
from marac_app.referrals.models import Case, Referral
from marac_app.referrals.people import Person, normalise_name

# How other names are separated in ``Person.aliases`` ("Val, Vee Smith; V. Smith").
_ALIAS_SEPARATORS = re.compile(r"[,;/\n]+")
PERSON_PREFIX = "p"
REFERRER_PREFIX = "r"


@dataclass(frozen=True)
class SubjectMatch:
    """One record of one person in one case, as shown to the DPO before attaching it.

    ``value`` identifies it in a form: ``p<person id>`` or, for a referrer, ``r<referral id>``.
    """

    value: str
    case_id: int
    case_reference: str
    area_name: str
    role: SubjectRole
    name: str
    date_of_birth: date | None
    matched_on: str

    @property
    def role_label(self) -> str:
        return self.role.label


def _aliases(aliases: str | None) -> set[str]:
    return {key for part in _ALIAS_SEPARATORS.split(aliases or "") if (key := normalise_name(part))}


def _person_match(person: Person, case: Case, matched_on: str) -> SubjectMatch:
    return SubjectMatch(
        value=f"{PERSON_PREFIX}{person.id}",
        case_id=case.id,
        case_reference=case.reference,
        area_name=case.area.name,
        role=SubjectRole(person.role.value),
        name=person.full_name,
        date_of_birth=person.date_of_birth,
        matched_on=matched_on,
    )


def _referrer_match(referral: Referral, case: Case) -> SubjectMatch:
    return SubjectMatch(
        value=f"{REFERRER_PREFIX}{referral.id}",
        case_id=case.id,
        case_reference=case.reference,
        area_name=case.area.name,
        role=SubjectRole.REFERRER,
        name=referral.referrer_name,
        date_of_birth=None,
        matched_on="Name of the referrer",
    )


def _latest_first(referral: Referral) -> tuple[date, int]:
    return referral.referred_on, referral.id


def find_matches(name: str, date_of_birth: date | None = None) -> list[SubjectMatch]:
    """Every record of a person with this name (full name or another name, normalised) in
    any role and any area; with ``date_of_birth``, records with a different date of birth
    are left out (records with none are kept: the DPO decides). One match per person, role
    and case (a repeat referral records the same person again: the latest record is shown).
    Referrals still waiting for a repeat decision belong to no case yet and are not listed.

    Other names and referrers' names are compared in Python (they are free text, not
    indexed): a scan of those two columns, acceptable for a DPO's occasional search.
    """
    key = normalise_name(name)
    if not key:
        return []
    by_name = set(db.session.scalars(sa.select(Person.id).where(Person.normalised_name == key)))
    alias_ids = {
        person_id
        for person_id, aliases in db.session.execute(
            sa.select(Person.id, Person.aliases).where(Person.aliases.is_not(None))
        )
        if key in _aliases(aliases)
    }
    referral_ids = {
        referral_id
        for referral_id, referrer in db.session.execute(
            sa.select(Referral.id, Referral.referrer_name).where(Referral.case_id.is_not(None))
        )
        if normalise_name(referrer) == key
    }

    matches: dict[tuple[int, str, str, date | None], tuple[tuple[date, int], SubjectMatch]] = {}

    def keep(
        identity: tuple[int, str, str, date | None], order: tuple[date, int], match: SubjectMatch
    ) -> None:
        current = matches.get(identity)
        if current is None or current[0] < order:
            matches[identity] = (order, match)

    people = list(db.session.scalars(sa.select(Person).where(Person.id.in_(by_name | alias_ids))))
    referrals = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Referral)
            .where(
                Referral.id.in_({p.referral_id for p in people} | referral_ids),
                Referral.case_id.is_not(None),
            )
            .options(selectinload(Referral.case).selectinload(Case.area))
        )
    }
    for person in people:
        referral = referrals.get(person.referral_id)
        if referral is None or referral.case is None:
            continue
        if date_of_birth is not None and person.date_of_birth not in (None, date_of_birth):
            continue
        by = "Full name" if person.id in by_name else "Another name they are known by"
        if date_of_birth is not None:
            by += (
                " and date of birth"
                if person.date_of_birth == date_of_birth
                else " (no date of birth recorded)"
            )
        identity = (
            referral.case.id,
            person.role.value,
            person.normalised_name,
            person.date_of_birth,
        )
        keep(identity, _latest_first(referral), _person_match(person, referral.case, by))
    for referral_id in referral_ids:
        referral = referrals.get(referral_id)
        if referral is None or referral.case is None:
            continue
        identity = (referral.case.id, SubjectRole.REFERRER.value, key, None)
        keep(identity, _latest_first(referral), _referrer_match(referral, referral.case))
    return sorted(
        (match for _, match in matches.values()),
        key=lambda m: (m.case_reference, m.role.value, m.name),
    )


def choices_in_case(case: Case) -> list[SubjectMatch]:
    """Everyone recorded in ``case`` (each person once, from their latest referral, and each
    referrer), for the DPO to say which of them the requester is."""
    found: dict[tuple[str, str, date | None], SubjectMatch] = {}
    for referral in sorted(case.referrals, key=_latest_first):
        for person in referral.people:
            found[(person.role.value, person.normalised_name, person.date_of_birth)] = (
                _person_match(person, case, "Recorded in this case")
            )
        found[(SubjectRole.REFERRER.value, normalise_name(referral.referrer_name), None)] = (
            _referrer_match(referral, case)
        )
    return sorted(found.values(), key=lambda m: (_ROLE_ORDER[m.role], m.name))


_ROLE_ORDER = {role: index for index, role in enumerate(SubjectRole)}


@dataclass(frozen=True)
class Choice:
    """A record the DPO chose: the case, and the person's record or the referral made."""

    case: Case
    role: SubjectRole
    person: Person | None
    referral: Referral


def resolve_choice(value: str | None) -> Choice | None:
    """The record a form value (``p<id>`` / ``r<id>``) names, or None when it names none
    (or one on a referral that belongs to no case)."""
    text = (value or "").strip()
    prefix, number = text[:1], parse_id(text[1:])
    if number is None or prefix not in (PERSON_PREFIX, REFERRER_PREFIX):
        return None
    if prefix == PERSON_PREFIX:
        person = db.session.get(Person, number)
        referral = db.session.get(Referral, person.referral_id) if person else None
        if person is None or referral is None or referral.case is None:
            return None
        return Choice(referral.case, SubjectRole(person.role.value), person, referral)
    referral = db.session.get(Referral, number)
    if referral is None or referral.case is None:
        return None
    return Choice(referral.case, SubjectRole.REFERRER, None, referral)


def link_for(request: SubjectRequest, case_id: int) -> SubjectRequestCase | None:
    return next((link for link in request.cases if link.case_id == case_id), None)


def attach(request: SubjectRequest, choice: Choice, *, actor: User) -> SubjectRequestCase:
    """Attach ``choice`` to ``request``: the case, and who the requester is in it.

    One role per case and request. A case already attached with no role (a link made before
    roles were recorded) gets this one; attached with another role, it is changed and the
    review of its passages starts again (they were chosen for someone else). Refused for a
    case already erased, or attached with this very record. Returns the link.
    """
    link = link_for(request, choice.case.id)
    same = (
        link is not None
        and link.subject_role == choice.role
        and (
            link.person_id == (choice.person.id if choice.person else None)
            and (choice.person is not None or link.referral_id == choice.referral.id)
        )
    )
    if link is not None and link.erased_at is not None:
        raise ServiceError(f"Case {link.case_reference} has been erased", field="records")
    if same:
        raise ServiceError(
            f"Case {choice.case.reference} is already attached to this request "
            f"with the requester as {choice.role.label.lower()}",
            field="records",
        )
    changed = link is not None
    if link is None:
        link = SubjectRequestCase(case_id=choice.case.id, case_reference=choice.case.reference)
        request.cases.append(link)
    elif link.id is not None:
        db.session.execute(sa.delete(PassageReview).where(PassageReview.link_id == link.id))
    link.person_id = choice.person.id if choice.person else None
    link.referral_id = choice.referral.id
    link.subject_role = choice.role
    db.session.flush()
    record(
        AuditAction.SUBJECT_RECORD_ATTACHED,
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        detail=f"case={choice.case.id} role={choice.role.value}" + (" changed" if changed else ""),
    )
    return link


def attach_all(
    request: SubjectRequest, values: list[str], *, actor: User, allowed: set[str] | None = None
) -> list[SubjectRequestCase]:
    """Attach each chosen record (form values); all or nothing.

    ``allowed`` (the values the DPO was shown) refuses anything else. Two records in one case
    are refused: the requester has one role per case in a request.
    """
    if not values:
        raise ServiceError(
            "Select the records that are about the person making the request", field="records"
        )
    choices: list[Choice] = []
    for value in values:
        choice = resolve_choice(value) if allowed is None or value in allowed else None
        if choice is None:
            raise ServiceError("Select records from the list shown", field="records")
        choices.append(choice)
    case_ids = [choice.case.id for choice in choices]
    duplicate = next((c for c in choices if case_ids.count(c.case.id) > 1), None)
    if duplicate is not None:
        raise ServiceError(
            f"Select one record in case {duplicate.case.reference}: the "
            "requester has one role in each case",
            field="records",
        )
    return [attach(request, choice, actor=actor) for choice in choices]
