"""Referrals, cases, repeat detection and case lists. Services flush, never commit.

Every change writes an audit event (ids and field names only, never names or narrative).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError

from marac_app.agencies.models import Agency, MaracArea
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.referrals import address_changes
from marac_app.referrals.checklist import RiskChecklistVersion
from marac_app.referrals.models import (
    AgendaItem,
    Case,
    CaseReferenceCounter,
    Criterion,
    ErasedCase,
    PreviousMarac,
    Referral,
    RepeatStatus,
)
from marac_app.referrals.people import (
    Disability,
    Ethnicity,
    Gender,
    Person,
    PersonRole,
    Sexuality,
    normalise_name,
)
from marac_app.referrals.restriction import restricted_case_ids

logger = logging.getLogger(__name__)

DEFAULT_REPEAT_WINDOW_DAYS = 365

# The refusals ReferralForm gives too (referrals/forms.py): one wording for each.
REFERRING_AGENCY_MISSING = "Select the referring agency"
JUDGEMENT_REASONS_MISSING = "Give the reasons for your professional judgement"


def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def repeat_window_days() -> int:
    return _setting("REPEAT_WINDOW_DAYS", DEFAULT_REPEAT_WINDOW_DAYS)


# --- Plain data passed in by views, the CLI and tests -----------------------------------


@dataclass
class PersonDetails:
    full_name: str
    date_of_birth: date | None = None
    aliases: str | None = None
    gender: Gender | None = None
    relationship_to_victim: str | None = None
    lives_in_household: bool | None = None
    # Victim only.
    address: str | None = None
    safe_phone: str | None = None
    safe_email: str | None = None
    safe_to_call: bool | None = None
    safe_to_text: bool | None = None
    safe_to_email: bool | None = None
    sexuality: Sexuality | None = None
    ethnicity: Ethnicity | None = None
    disability: Disability | None = None
    language: str | None = None
    interpreter_needed: bool | None = None


@dataclass
class ReferralDetails:
    referring_agency_id: int
    referrer_name: str
    referred_on: date
    criterion: Criterion
    victim: PersonDetails
    referrer_role: str | None = None
    reasons: str | None = None
    escalation_incidents: int | None = None
    dash_answers: dict[str, str] = field(default_factory=dict)
    perpetrators: list[PersonDetails] = field(default_factory=list)
    children: list[PersonDetails] = field(default_factory=list)
    vulnerable_adults: list[PersonDetails] = field(default_factory=list)
    # An earlier case the coordinator says this referral belongs to (explicit link).
    linked_case_reference: str | None = None
    # Why the victim's address or safe contact details change (editing a referral only).
    address_change_reason: str | None = None
    # Referred to another MARAC before: yes / no / not known, where and when (a date, or the
    # first of the month when only the month is known: ``previous_marac_month_only``).
    previous_marac: PreviousMarac | None = None
    previous_marac_where: str | None = None
    previous_marac_on: date | None = None
    previous_marac_month_only: bool = False


PREVIOUS_MARAC_WHERE_MISSING = "Enter which MARAC the victim was referred to before"
PREVIOUS_MARAC_WHERE_TOO_LONG = "Which MARAC must be 200 characters or fewer"


def _previous_marac(details: ReferralDetails) -> dict[str, object]:
    """The referral's previous-MARAC columns from ``details``; where and when are kept only
    for "yes", and "yes" needs where (field ``previous_marac_where``)."""
    if details.previous_marac != PreviousMarac.YES:
        return {
            "previous_marac": details.previous_marac,
            "previous_marac_where": None,
            "previous_marac_on": None,
            "previous_marac_month_only": False,
        }
    where = (details.previous_marac_where or "").strip()
    if not where:
        raise ServiceError(PREVIOUS_MARAC_WHERE_MISSING, field="previous_marac_where")
    if len(where) > 200:
        raise ServiceError(PREVIOUS_MARAC_WHERE_TOO_LONG, field="previous_marac_where")
    return {
        "previous_marac": PreviousMarac.YES,
        "previous_marac_where": where,
        "previous_marac_on": details.previous_marac_on,
        "previous_marac_month_only": bool(
            details.previous_marac_on and details.previous_marac_month_only
        ),
    }


# --- Risk checklist ---------------------------------------------------------------------


def active_checklist() -> RiskChecklistVersion:
    version = db.session.scalar(
        sa.select(RiskChecklistVersion)
        .where(RiskChecklistVersion.active.is_(True))
        .order_by(RiskChecklistVersion.id.desc())
        .limit(1)
    )
    if version is None:
        raise ServiceError("No risk checklist is active. Ask an administrator to set one up")
    return version


def decide_criterion(
    version: RiskChecklistVersion,
    score: int,
    requested: Criterion,
    *,
    reasons: str | None,
    escalation_incidents: int | None,
) -> Criterion:
    """The criterion the referral is recorded under.

    A score at or above the version's threshold is always *visible high risk*: a professional
    may refer below the threshold, never "downgrade" a high score. Below it, visible high risk
    is refused; professional judgement needs reasons; potential escalation needs at least the
    configured number of incidents in the configured window. Raises ServiceError(field=...).
    """
    if version.is_visible_high_risk(score):
        return Criterion.VISIBLE_HIGH_RISK
    if requested == Criterion.VISIBLE_HIGH_RISK:
        raise ServiceError(
            f"The DASH score is {score}, below the threshold of {version.threshold}. Choose "
            "professional judgement, potential escalation or repeat referral",
            field="criterion",
        )
    if requested == Criterion.PROFESSIONAL_JUDGEMENT and not (reasons or "").strip():
        raise ServiceError(JUDGEMENT_REASONS_MISSING, field="reasons")
    if requested == Criterion.POTENTIAL_ESCALATION:
        needed = _setting("ESCALATION_INCIDENTS", 3)
        months = _setting("ESCALATION_WINDOW_MONTHS", 12)
        if escalation_incidents is None:
            raise ServiceError("Enter the number of incidents", field="escalation_incidents")
        if escalation_incidents < needed:
            raise ServiceError(
                f"Potential escalation needs at least {needed} incidents in {months} months",
                field="escalation_incidents",
            )
    return requested


# --- Case references --------------------------------------------------------------------


def _highest_number_in_use(area: MaracArea, year: int) -> int:
    """The highest number of ``area`` and ``year`` found on a case or an erased case's
    tombstone (where a counter starts from when the area has none for the year yet)."""
    prefix = f"{area.code.upper()}-{year}-"
    found = list(
        db.session.scalars(
            sa.select(Case.reference)
            .where(Case.reference.like(f"{prefix}%"))
            .union_all(
                sa.select(ErasedCase.reference).where(ErasedCase.reference.like(f"{prefix}%"))
            )
        )
    )
    numbers = [int(r[len(prefix) :]) for r in found if r[len(prefix) :].isdigit()]
    return max(numbers, default=0)


def allocate_case_number(area: MaracArea, year: int) -> int:
    """Take the next number of ``area``'s counter for ``year`` (flushes, never commits).

    One atomic statement moves the counter up and returns it — ``UPDATE … RETURNING``, or
    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` for an area's first case of a year — so
    two requests can never be given the same number: on PostgreSQL the second waits for the
    first's row lock; on SQLite every transaction is ``BEGIN IMMEDIATE``. The lock is one
    area's counter for one year, held until the request commits (a referral is short).
    A number is never given back: a rolled-back request leaves a gap, which is harmless.
    """
    counter = cast(sa.Table, CaseReferenceCounter.__table__)
    bump = (
        sa.update(counter)
        .where(counter.c.area_id == area.id, counter.c.year == year)
        .values(last_number=counter.c.last_number + 1)
        .returning(counter.c.last_number)
    )
    number = db.session.execute(bump).scalar()
    if number is not None:
        return int(number)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    start = insert(counter).values(
        area_id=area.id, year=year, last_number=_highest_number_in_use(area, year) + 1
    )
    upsert = start.on_conflict_do_update(
        index_elements=[counter.c.area_id, counter.c.year],
        set_={"last_number": counter.c.last_number + 1},
    ).returning(counter.c.last_number)
    return int(db.session.execute(upsert).scalar_one())


def next_case_reference(area: MaracArea, year: int | None = None) -> str:
    """The next reference of ``area`` for ``year``, e.g. ``CAM-2026-0042``: numbers run per
    area per year and are never reused, not even after the case is erased."""
    year = year or london_today().year
    return f"{area.code.upper()}-{year}-{allocate_case_number(area, year):04d}"


def new_case(area: MaracArea, *, year: int | None = None, attempts: int = 5) -> Case:
    """A new case of ``area`` with the next reference. A number already taken (a case or
    an erased case recorded without the counter, e.g. imported) is skipped, not reused."""
    for _ in range(attempts):
        reference = next_case_reference(area, year)
        if db.session.scalar(sa.select(ErasedCase.id).where(ErasedCase.reference == reference)):
            logger.warning("case reference %s belonged to an erased case; skipping", reference)
            continue
        try:
            with db.session.begin_nested():
                case = Case(area_id=area.id, reference=reference)
                db.session.add(case)
                db.session.flush()
        except IntegrityError:
            logger.warning("case reference %s taken concurrently; retrying", reference)
            continue
        return case
    raise ServiceError("A case reference could not be given. Try again")


# --- Repeat detection -------------------------------------------------------------------


def last_referral_on(case: Case) -> date | None:
    return db.session.scalar(
        sa.select(sa.func.max(Referral.referred_on)).where(Referral.case_id == case.id)
    )


def within_repeat_window(
    last_referred_on: date, referred_on: date, window_days: int | None = None
) -> bool:
    """True when ``referred_on`` is at most ``window_days`` days after the last referral.

    The rule: count whole days from the case's *last referral* (not its last meeting) to the
    new referral. 0 to ``window_days`` days inclusive is a repeat; one day more is a new
    referral. With the default 365 days ("within 12 months"), 364 and 365 days are repeats
    and 366 days is new.
    """
    window = repeat_window_days() if window_days is None else window_days
    return 0 <= (referred_on - last_referred_on).days <= window


def find_case_by_reference(area_id: int, reference: str) -> Case | None:
    return db.session.scalar(
        sa.select(Case).where(Case.area_id == area_id, Case.reference == reference.strip().upper())
    )


def detect_repeat(
    area_id: int,
    victim_name: str,
    victim_date_of_birth: date | None,
    referred_on: date,
    *,
    linked_case: Case | None = None,
    window_days: int | None = None,
) -> Case | None:
    """The earlier case of ``area_id`` this referral repeats, or None.

    A case matches when the coordinator linked it explicitly (``linked_case``), or when a
    victim on any of its referrals has the same normalised name (see ``normalise_name``) and
    the same date of birth. A matching case counts only if its last referral is within the
    window (``within_repeat_window``). With several, the most recently referred one wins.
    """
    candidates: list[Case] = []
    if linked_case is not None and linked_case.area_id == area_id:
        candidates.append(linked_case)
    if victim_date_of_birth is not None and victim_name.strip():
        matched = db.session.scalars(
            sa.select(Case)
            .join(Referral, Referral.case_id == Case.id)
            .join(Person, Person.referral_id == Referral.id)
            .where(
                Case.area_id == area_id,
                Person.role == PersonRole.VICTIM,
                Person.normalised_name == normalise_name(victim_name),
                Person.date_of_birth == victim_date_of_birth,
            )
            .distinct()
        )
        candidates.extend(c for c in matched if c not in candidates)
    best: tuple[date, Case] | None = None
    for case in candidates:
        last = last_referral_on(case)
        if last is None or not within_repeat_window(last, referred_on, window_days):
            continue
        if best is None or last > best[0]:
            best = (last, case)
    return best[1] if best else None


# --- Referrals --------------------------------------------------------------------------


def _person(role: PersonRole, details: PersonDetails, position: int) -> Person:
    values = {k: v for k, v in vars(details).items()}
    return Person(
        role=role,
        position=position,
        normalised_name=normalise_name(details.full_name)[:120],
        **values,
    )


def _assessed(
    details: ReferralDetails, checklist: RiskChecklistVersion
) -> tuple[Agency, dict[str, str], int, Criterion]:
    """The referring agency, the DASH answers kept, their score on ``checklist`` and the
    criterion decided (``decide_criterion``); ServiceError when the agency is missing or the
    criterion is refused. Shared by a new referral and a corrected one."""
    agency = db.session.get(Agency, details.referring_agency_id)
    if agency is None:
        raise ServiceError(REFERRING_AGENCY_MISSING, field="referring_agency")
    answers = {
        str(k): v for k, v in details.dash_answers.items() if v in ("yes", "no", "not_known")
    }
    score = checklist.score(answers)
    criterion = decide_criterion(
        checklist,
        score,
        details.criterion,
        reasons=details.reasons,
        escalation_incidents=details.escalation_incidents,
    )
    return agency, answers, score, criterion


def create_referral(*, area: MaracArea, details: ReferralDetails, actor: User | None) -> Referral:
    """Record a referral in ``area`` and return it (flushed).

    Scores the DASH answers against the active checklist version and fixes the criterion
    (``decide_criterion``). A possible repeat (``detect_repeat``) waits for the coordinator
    with no case yet; otherwise a new case with the next reference is opened. Raises
    ServiceError (with the form field) when a rule refuses the referral; nothing is saved.
    """
    version = active_checklist()
    agency, answers, score, criterion = _assessed(details, version)
    previous = _previous_marac(details)
    linked: Case | None = None
    if details.linked_case_reference and details.linked_case_reference.strip():
        linked = find_case_by_reference(area.id, details.linked_case_reference)
        if linked is None:
            raise ServiceError(
                "There is no case with that reference in your area", field="linked_case_reference"
            )
    earlier = detect_repeat(
        area.id,
        details.victim.full_name,
        details.victim.date_of_birth,
        details.referred_on,
        linked_case=linked,
    )
    if criterion == Criterion.REPEAT and earlier is None:
        raise ServiceError(
            f"There is no referral of this victim in the last {repeat_window_days()} days. "
            "Give the earlier case reference or choose another criterion",
            field="criterion",
        )

    referral = Referral(
        area_id=area.id,
        referring_agency_id=agency.id,
        referrer_name=details.referrer_name,
        referrer_role=details.referrer_role or None,
        referred_on=details.referred_on,
        criterion=criterion,
        reasons=(details.reasons or "").strip() or None,
        escalation_incidents=(
            details.escalation_incidents if criterion == Criterion.POTENTIAL_ESCALATION else None
        ),
        escalation_window_months=(
            _setting("ESCALATION_WINDOW_MONTHS", 12)
            if criterion == Criterion.POTENTIAL_ESCALATION
            else None
        ),
        checklist_version_id=version.id,
        dash_answers=answers,
        dash_score=score,
        created_by_id=actor.id if actor else None,
        linked_case_id=earlier.id if earlier else (linked.id if linked else None),
        **previous,
    )
    if earlier is not None:
        referral.is_repeat = True
        referral.repeat_status = RepeatStatus.PENDING
    else:
        referral.case = new_case(area, year=details.referred_on.year)
    referral.people.append(_person(PersonRole.VICTIM, details.victim, 0))
    for role, people in (
        (PersonRole.PERPETRATOR, details.perpetrators),
        (PersonRole.CHILD, details.children),
        (PersonRole.VULNERABLE_ADULT, details.vulnerable_adults),
    ):
        for position, person in enumerate(people):
            referral.people.append(_person(role, person, position))
    db.session.add(referral)
    db.session.flush()
    record(
        AuditAction.REFERRAL_CREATED,
        actor=actor,
        object_type="referral",
        object_id=referral.id,
        detail=f"case={referral.case_id} criterion={criterion} score={score} "
        f"repeat_pending={referral.is_repeat}",
    )
    return referral


def update_referral(
    referral: Referral, details: ReferralDetails, *, version: int, actor: User | None
) -> Referral:
    """Save the coordinator's corrections to ``referral`` (re-scored, criterion re-decided,
    people replaced). The case and any repeat decision stay as they are.

    Raises ConflictError when ``version`` is not the saved version (someone else saved the
    referral since the form was opened) and ServiceError for a refused rule.
    """
    if version != referral.version:
        raise ConflictError(
            "Someone else changed this referral while you were editing it. "
            "Check what is saved now, then save your changes again"
        )
    checklist = referral.checklist_version or active_checklist()
    agency, answers, score, criterion = _assessed(details, checklist)
    if criterion == Criterion.REPEAT and not referral.is_repeat:
        raise ServiceError(
            "Only a referral added to an earlier case can be a repeat referral", field="criterion"
        )
    escalation = criterion == Criterion.POTENTIAL_ESCALATION
    contact_changed = address_changes.changed_contact_fields(referral.victim, details.victim)
    reason = address_changes.clean_reason(details.address_change_reason) if contact_changed else ""
    referral.referring_agency_id = agency.id
    referral.referrer_name = details.referrer_name
    referral.referrer_role = details.referrer_role or None
    referral.referred_on = details.referred_on
    referral.criterion = criterion
    referral.reasons = (details.reasons or "").strip() or None
    referral.escalation_incidents = details.escalation_incidents if escalation else None
    referral.escalation_window_months = (
        _setting("ESCALATION_WINDOW_MONTHS", 12) if escalation else None
    )
    referral.checklist_version_id = checklist.id
    referral.dash_answers = answers
    referral.dash_score = score
    for name, value in _previous_marac(details).items():
        setattr(referral, name, value)
    referral.people.clear()
    db.session.flush()
    referral.people.append(_person(PersonRole.VICTIM, details.victim, 0))
    for role, people in (
        (PersonRole.PERPETRATOR, details.perpetrators),
        (PersonRole.CHILD, details.children),
        (PersonRole.VULNERABLE_ADULT, details.vulnerable_adults),
    ):
        for position, person in enumerate(people):
            referral.people.append(_person(role, person, position))
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(
            "Someone else changed this referral while you were editing it. "
            "Check what is saved now, then save your changes again"
        ) from error
    record(
        AuditAction.REFERRAL_UPDATED,
        actor=actor,
        object_type="referral",
        object_id=referral.id,
        detail=f"case={referral.case_id} criterion={criterion} score={score}",
    )
    if contact_changed and referral.case_id is not None:
        address_changes.record_address_change(
            case_id=referral.case_id,
            referral_id=referral.id,
            fields=contact_changed,
            reason=reason,
            actor=actor,
        )
    return referral


def decide_repeat(referral: Referral, *, confirm: bool, actor: User | None) -> Case:
    """The coordinator's decision on a possible repeat: confirm joins the earlier case,
    reject opens a new case. Returns the referral's case. Raises ServiceError if decided."""
    if referral.repeat_status != RepeatStatus.PENDING:
        raise ServiceError("This referral has already been decided")
    if confirm and referral.linked_case is not None:
        referral.case = referral.linked_case
        referral.repeat_status = RepeatStatus.CONFIRMED
        referral.repeat_confirmed_by_coordinator = True
    else:
        area = db.session.get(MaracArea, referral.area_id)
        referral.case = new_case(area, year=referral.referred_on.year)  # type: ignore[arg-type]
        referral.repeat_status = RepeatStatus.REJECTED
        referral.is_repeat = False
    referral.repeat_decided_by_id = actor.id if actor else None
    referral.repeat_decided_at = utcnow()
    db.session.flush()
    record(
        AuditAction.REFERRAL_REPEAT_DECIDED,
        actor=actor,
        object_type="referral",
        object_id=referral.id,
        detail=f"status={referral.repeat_status} case={referral.case_id}",
    )
    assert referral.case is not None
    return referral.case


def pending_repeats(area_id: int) -> list[Referral]:
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(Referral.area_id == area_id, Referral.repeat_status == RepeatStatus.PENDING)
            .order_by(Referral.referred_on, Referral.id)
        )
    )


def awaiting_allocation(area_id: int) -> list[Referral]:
    """The latest referral of each case of the area, when it is on no meeting's case list.

    An earlier referral superseded by a repeat is not listed: the repeat is what is heard.
    """
    allocated = sa.select(AgendaItem.referral_id).where(AgendaItem.referral_id.is_not(None))
    newer = aliased(Referral)
    superseded = sa.exists().where(
        newer.case_id == Referral.case_id,
        sa.or_(
            newer.referred_on > Referral.referred_on,
            sa.and_(newer.referred_on == Referral.referred_on, newer.id > Referral.id),
        ),
    )
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(
                Referral.area_id == area_id,
                Referral.case_id.is_not(None),
                Referral.id.not_in(allocated),
                ~superseded,
            )
            .order_by(Referral.referred_on, Referral.id)
        )
    )


# --- Case lists -------------------------------------------------------------------------


def case_list(meeting: Meeting, *, include_restricted: bool = False) -> list[AgendaItem]:
    """The meeting's case list in order. Cases under restriction of processing are left out
    (of research lists, the live meeting and distribution) unless ``include_restricted`` —
    only the coordinator's own allocation page asks for them."""

    query = (
        sa.select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .options(joinedload(AgendaItem.case))  # every list shows the case reference
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    if not include_restricted:
        query = query.where(AgendaItem.case_id.not_in(restricted_case_ids()))
    return list(db.session.scalars(query))


def allocate_to_meeting(
    case_or_referral: Case | Referral, meeting: Meeting, actor: User | None
) -> AgendaItem:
    """Put a referral's case (or a case for review) at the end of ``meeting``'s case list.

    Raises ServiceError when the referral still waits for a repeat decision, when the
    meeting is in another area or cancelled, or when the case is already on that list.
    """
    referral: Referral | None = None
    if isinstance(case_or_referral, Referral):
        referral = case_or_referral
        if referral.case is None:
            raise ServiceError("Decide whether this referral is a repeat before allocating it")
        case = referral.case
    else:
        case = case_or_referral
    if meeting.area_id != case.area_id:
        raise ServiceError("Choose a meeting of the case's own MARAC area", field="meeting")
    if meeting.is_cancelled:
        raise ServiceError("That meeting has been cancelled. Choose another", field="meeting")
    existing = db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case.id
        )
    )
    if existing is not None:
        raise ServiceError(f"{case.reference} is already on this case list", field="meeting")
    last = db.session.scalar(
        sa.select(sa.func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(
        meeting_id=meeting.id,
        case_id=case.id,
        referral_id=referral.id if referral else None,
        position=(last if last is not None else -1) + 1,
    )
    db.session.add(item)
    db.session.flush()
    record(
        AuditAction.CASE_ALLOCATED,
        actor=actor,
        object_type="agenda_item",
        object_id=item.id,
        detail=f"meeting={meeting.id} case={case.id} referral={item.referral_id}",
    )
    return item


def move_agenda_item(item: AgendaItem, direction: str, actor: User | None) -> None:
    """Swap ``item`` with its neighbour above ("up") or below ("down"); no-op at an end."""
    items = case_list(item.meeting, include_restricted=True)
    for index, current in enumerate(items):
        current.position = index
    index = next(i for i, current in enumerate(items) if current.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index].position, items[other].position = other, index
    db.session.flush()
    record(
        AuditAction.CASE_LIST_REORDERED,
        actor=actor,
        object_type="meeting",
        object_id=item.meeting_id,
        detail=f"item={item.id} direction={direction}",
    )


def remove_from_meeting(item: AgendaItem, actor: User | None) -> None:
    """Take a case off a case list; refused once it has minutes or actions (ServiceError).

    The database decides: minutes and actions point at the agenda item with a key that
    refuses the delete, so no feature's rows can be lost by a change here."""
    meeting_id, item_id = item.meeting_id, item.id
    try:
        with db.session.begin_nested():
            db.session.delete(item)
            db.session.flush()
    except IntegrityError as error:
        raise ServiceError(
            "This case has been discussed at the meeting (it has minutes or "
            "actions), so it cannot be taken off the case list"
        ) from error
    record(
        AuditAction.CASE_UNALLOCATED,
        actor=actor,
        object_type="meeting",
        object_id=meeting_id,
        detail=f"item={item_id}",
    )


@dataclass(frozen=True)
class ResearchRow:
    """One case on the research list: its reference, and the names, other names (aliases)
    and dates of birth of the people in it, nothing else (``case_id`` is for the audit
    trail, never shown or exported). People are ``(name, date of birth, aliases)``."""

    case_id: int
    reference: str
    victim_name: str
    victim_aliases: str
    victim_date_of_birth: date | None
    perpetrators: tuple[tuple[str, date | None, str], ...]
    children: tuple[tuple[str, date | None, str], ...]


def research_list(meeting: Meeting) -> list[ResearchRow]:
    """The list agencies research before ``meeting``, in case-list order.

    Holds ONLY the case reference and the names, other names and dates of birth of the
    victim, the alleged perpetrator(s) and the children — no address, contact detail or
    risk information.
    """
    rows: list[ResearchRow] = []
    for item in case_list(meeting):
        referral = item.referral or item.case.last_referral
        if referral is None or referral.victim is None:
            continue
        victim = referral.victim
        rows.append(
            ResearchRow(
                case_id=item.case_id,
                reference=item.case.reference,
                victim_name=victim.full_name,
                victim_aliases=victim.aliases or "",
                victim_date_of_birth=victim.date_of_birth,
                perpetrators=tuple(
                    (p.full_name, p.date_of_birth, p.aliases or "") for p in referral.perpetrators
                ),
                children=tuple(
                    (c.full_name, c.date_of_birth, c.aliases or "") for c in referral.children
                ),
            )
        )
    return rows
