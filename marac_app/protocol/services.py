"""Whether an agency is signed up to the information-sharing protocol, and the current
confidentiality statement.

``signup_status(agency)`` is the one rule every other feature asks before information can
reach a person (invitations, attendance, action owners, minutes recipients). Services here
flush, never commit.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm.exc import StaleDataError

from marac_app.agencies.models import Agency
from marac_app.agencies.queries import agencies_of_area
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.common.time import london_today
from marac_app.extensions import db
from marac_app.protocol.models import ConfidentialityStatement, ProtocolSignature, ProtocolVersion

logger = logging.getLogger(__name__)

# The refusal SignatureForm gives too (protocol/forms.py).
VERSION_SIGNED_MISSING = "Select the protocol version that was signed"


class SignupState(enum.StrEnum):
    SIGNED_UP = "signed_up"
    NEEDS_RESIGN = "needs_resign"  # still signed up, within the grace period of a new version
    NOT_SIGNED = "not_signed"
    WITHDRAWN = "withdrawn"
    REVIEW_OVERDUE = "review_overdue"
    SUPERSEDED = "superseded"  # signed an older version and the grace period has passed
    NO_PROTOCOL = "no_protocol"


@dataclass(frozen=True)
class SignupStatus:
    state: SignupState
    signed_up: bool
    reason: str | None  # why not signed up (or why re-signing is due), in plain words
    signature: ProtocolSignature | None
    current_version: ProtocolVersion | None

    @property
    def label(self) -> str:
        return SIGNUP_LABELS[self.state]


SIGNUP_LABELS = {
    SignupState.SIGNED_UP: "Signed up",
    SignupState.NEEDS_RESIGN: "Needs to re-sign",
    SignupState.NOT_SIGNED: "Not signed",
    SignupState.WITHDRAWN: "Withdrawn",
    SignupState.REVIEW_OVERDUE: "Review overdue",
    SignupState.SUPERSEDED: "Not signed (new version)",
    SignupState.NO_PROTOCOL: "No protocol",
}


def current_protocol(on: date | None = None) -> ProtocolVersion | None:
    """The version in force on ``on`` (default today): the newest already effective."""
    on = on or london_today()
    return db.session.scalar(
        sa.select(ProtocolVersion)
        .where(ProtocolVersion.effective_date <= on)
        .order_by(ProtocolVersion.effective_date.desc(), ProtocolVersion.id.desc())
        .limit(1)
    )


def _previous_protocol(version: ProtocolVersion) -> ProtocolVersion | None:
    return db.session.scalar(
        sa.select(ProtocolVersion)
        .where(ProtocolVersion.effective_date < version.effective_date)
        .order_by(ProtocolVersion.effective_date.desc(), ProtocolVersion.id.desc())
        .limit(1)
    )


def _signature_problem(signature: ProtocolSignature, on: date) -> SignupState | None:
    if signature.withdrawn_on is not None and signature.withdrawn_on <= on:
        return SignupState.WITHDRAWN
    if signature.review_due_on is not None and signature.review_due_on < on:
        return SignupState.REVIEW_OVERDUE
    if signature.signed_on > on:
        return SignupState.NOT_SIGNED
    return None


def _latest_signature(agency_id: int, version_id: int, on: date) -> ProtocolSignature | None:
    # A signature dated after ``on`` did not exist yet on that day: it must not hide an
    # earlier, still valid one.
    return db.session.scalar(
        sa.select(ProtocolSignature)
        .where(
            ProtocolSignature.agency_id == agency_id,
            ProtocolSignature.protocol_version_id == version_id,
            ProtocolSignature.signed_on <= on,
        )
        .order_by(ProtocolSignature.signed_on.desc(), ProtocolSignature.id.desc())
        .limit(1)
    )


def grace_last_day(version: ProtocolVersion) -> date | None:
    """The last day on which a signature to the previous version still counts (None: none).

    A grace period of N days covers the effective date and the N - 1 days after it.
    """
    if version.grace_days <= 0:
        return None
    return version.effective_date + timedelta(days=version.grace_days - 1)


def signup_status(agency: Agency, on: date | None = None) -> SignupStatus:
    """Is ``agency`` signed up on ``on`` (default today)?

    Signed up = a signature to the version in force that is neither withdrawn nor past its
    review date; or, within the grace period of a new version, such a signature to the
    version before it (state NEEDS_RESIGN, still signed up).
    """
    on = on or london_today()
    version = current_protocol(on)
    if version is None:
        return SignupStatus(
            SignupState.NO_PROTOCOL,
            False,
            "No information-sharing protocol is in force",
            None,
            None,
        )
    name = agency.name
    signature = _latest_signature(agency.id, version.id, on)
    if signature is not None:
        problem = _signature_problem(signature, on)
        if problem is None:
            return SignupStatus(SignupState.SIGNED_UP, True, None, signature, version)
        if problem is SignupState.WITHDRAWN:
            reason = (
                f"{name} has withdrawn from version {version.version_label} of the "
                f"information-sharing protocol"
            )
        elif problem is SignupState.REVIEW_OVERDUE:
            reason = (
                f"{name}'s signature to version {version.version_label} of the "
                f"information-sharing protocol is past its review date"
            )
        else:
            reason = (
                f"{name} has not signed version {version.version_label} of the "
                f"information-sharing protocol"
            )
        return SignupStatus(problem, False, reason, signature, version)
    not_signed = (
        f"{name} has not signed version {version.version_label} of the information-sharing protocol"
    )
    previous = _previous_protocol(version)
    if previous is not None:
        old = _latest_signature(agency.id, previous.id, on)
        if old is not None and _signature_problem(old, on) is None:
            last_day = grace_last_day(version)
            if last_day is not None and on <= last_day:
                return SignupStatus(
                    SignupState.NEEDS_RESIGN,
                    True,
                    f"{name} must sign version {version.version_label} of the "
                    f"information-sharing protocol by {last_day:%-d %B %Y}",
                    old,
                    version,
                )
            return SignupStatus(SignupState.SUPERSEDED, False, not_signed, old, version)
    return SignupStatus(SignupState.NOT_SIGNED, False, not_signed, None, version)


def signup_problem(agency: Agency | None, on: date | None = None) -> str | None:
    """The reason information may not reach ``agency``'s people, or None when it may."""
    if agency is None:
        return (
            "This person does not belong to an agency that has signed the "
            "information-sharing protocol"
        )
    status = signup_status(agency, on)
    return None if status.signed_up else status.reason


def require_signed_up(
    agency: Agency | None, *, field: str | None = None, on: date | None = None
) -> None:
    """Raise ServiceError naming the reason when ``agency`` is not signed up."""
    problem = signup_problem(agency, on)
    if problem:
        raise ServiceError(problem, field=field)


def choose_signed_up_people(
    user_ids: Iterable[int], candidates: Iterable[User], *, refused: str
) -> list[User]:
    """The people ``user_ids`` name (in order, once each), all or nothing: each must be one of
    ``candidates`` and belong to an agency signed up to the protocol. Otherwise raises one
    ServiceError on ``people`` naming every problem ("Select people from the list", or
    "<name> <refused>: <reason>", e.g. refused="cannot be invited")."""
    found = {person.id: person for person in candidates}
    problems: list[str] = []
    people: list[User] = []
    for user_id in dict.fromkeys(user_ids):
        person = found.get(user_id)
        if person is None:
            problems.append("Select people from the list")
            continue
        problem = signup_problem(person.agency)
        if problem:
            problems.append(f"{person.name} {refused}: {problem}")
            continue
        people.append(person)
    if problems:
        raise ServiceError(". ".join(dict.fromkeys(problems)), field="people")
    return people


def current_statement() -> ConfidentialityStatement | None:
    """The newest confidentiality statement version (None before one is seeded)."""
    return db.session.scalar(
        sa.select(ConfidentialityStatement)
        .order_by(ConfidentialityStatement.version_number.desc())
        .limit(1)
    )


# --- Management: versions, signatures, statements ---------------------------------------
# Callers: protocol.views (and tests). Each function flushes and audits; the view commits.


def list_versions() -> list[ProtocolVersion]:
    """Every protocol version, newest effective first."""
    return list(
        db.session.scalars(
            sa.select(ProtocolVersion).order_by(
                ProtocolVersion.effective_date.desc(), ProtocolVersion.id.desc()
            )
        )
    )


def create_version(
    *, title: str, version_label: str, effective_date: date, text: str, grace_days: int, actor: User
) -> ProtocolVersion:
    """Add a protocol version. Raises ServiceError (field ``version_label``) on a duplicate."""
    label = version_label.strip()
    duplicate = db.session.scalar(
        sa.select(ProtocolVersion.id).where(
            sa.func.lower(ProtocolVersion.version_label) == label.lower()
        )
    )
    if duplicate is not None:
        raise ServiceError(
            f"Version {label} already exists. Enter a different version", field="version_label"
        )
    if grace_days < 0:
        raise ServiceError("Grace period must be 0 days or more", field="grace_days")
    version = ProtocolVersion(
        title=title.strip(),
        version_label=label,
        effective_date=effective_date,
        text=text.strip(),
        grace_days=grace_days,
        created_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    record(
        AuditAction.PROTOCOL_VERSION_CREATED,
        actor=actor,
        object_type="protocol_version",
        object_id=version.id,
    )
    logger.info("protocol version %s created by user %s", version.id, actor.id)
    return version


def default_review_date(signed_on: date) -> date:
    """A signature is reviewed a year after it was signed (29 February → 28 February)."""
    return signed_on + relativedelta(years=1)


@dataclass(frozen=True)
class SignatureDetails:
    """What a person types when recording or editing a signature."""

    protocol_version_id: int
    signatory_name: str
    signatory_job_title: str
    signed_on: date
    review_due_on: date | None = None


def _check_details(details: SignatureDetails) -> ProtocolVersion:
    version = db.session.get(ProtocolVersion, details.protocol_version_id)
    if version is None:
        raise ServiceError(VERSION_SIGNED_MISSING, field="protocol_version_id")
    if details.signed_on > london_today():
        raise ServiceError("Date signed must be today or in the past", field="signed_on")
    review = details.review_due_on
    if review is not None and review <= details.signed_on:
        raise ServiceError("Review date must be after the date signed", field="review_due_on")
    return version


def record_signature(
    agency: Agency, details: SignatureDetails, *, actor: User
) -> ProtocolSignature:
    """Record ``agency``'s signature. The review date defaults to a year after signing."""
    _check_details(details)
    signature = ProtocolSignature(
        agency_id=agency.id,
        protocol_version_id=details.protocol_version_id,
        signatory_name=details.signatory_name.strip(),
        signatory_job_title=details.signatory_job_title.strip(),
        signed_on=details.signed_on,
        review_due_on=details.review_due_on or default_review_date(details.signed_on),
        recorded_by_id=actor.id,
    )
    db.session.add(signature)
    db.session.flush()
    record(
        AuditAction.PROTOCOL_SIGNATURE_RECORDED,
        actor=actor,
        object_type="protocol_signature",
        object_id=signature.id,
        detail=f"agency={agency.id}",
    )
    return signature


def _check_version(signature: ProtocolSignature, version: int) -> None:
    if signature.version != version:
        raise ConflictError(
            "Someone else changed this signature while you were editing it. Check what is "
            "saved now, then save your changes again if they are still right"
        )


def _flush_versioned(signature: ProtocolSignature) -> None:
    try:
        db.session.flush()
    except StaleDataError as error:  # a concurrent save won the race at the database
        raise ConflictError(
            "Someone else changed this signature while you were editing it. Check what is "
            "saved now, then save your changes again if they are still right"
        ) from error


def update_signature(
    signature: ProtocolSignature, details: SignatureDetails, *, version: int, actor: User
) -> ProtocolSignature:
    """Correct a recorded signature. Raises ConflictError when ``version`` is stale."""
    _check_version(signature, version)
    _check_details(details)
    changes = {
        "protocol_version_id": details.protocol_version_id,
        "signatory_name": details.signatory_name.strip(),
        "signatory_job_title": details.signatory_job_title.strip(),
        "signed_on": details.signed_on,
        "review_due_on": details.review_due_on or default_review_date(details.signed_on),
    }
    changed = [name for name, value in changes.items() if getattr(signature, name) != value]
    for name in changed:
        setattr(signature, name, changes[name])
    if changed:
        _flush_versioned(signature)
    record(
        AuditAction.PROTOCOL_SIGNATURE_UPDATED,
        actor=actor,
        object_type="protocol_signature",
        object_id=signature.id,
        detail=f"changed: {', '.join(changed) or 'nothing'}",
    )
    return signature


def withdraw_signature(
    signature: ProtocolSignature, *, withdrawn_on: date, reason: str, version: int, actor: User
) -> ProtocolSignature:
    """Record that the agency withdrew this signature (takes effect on ``withdrawn_on``)."""
    _check_version(signature, version)
    if signature.withdrawn_on is not None:
        raise ServiceError("This signature has already been withdrawn", field="withdrawn_on")
    if withdrawn_on < signature.signed_on:
        raise ServiceError(
            "Withdrawal date must be on or after the date signed", field="withdrawn_on"
        )
    signature.withdrawn_on = withdrawn_on
    signature.withdrawal_reason = reason.strip()
    _flush_versioned(signature)
    record(
        AuditAction.PROTOCOL_SIGNATURE_WITHDRAWN,
        actor=actor,
        object_type="protocol_signature",
        object_id=signature.id,
        detail=f"agency={signature.agency_id}",
    )
    return signature


def signature_history(agency: Agency) -> list[ProtocolSignature]:
    """Every signature ``agency`` has made, newest first."""
    return list(
        db.session.scalars(
            sa.select(ProtocolSignature)
            .where(ProtocolSignature.agency_id == agency.id)
            .order_by(ProtocolSignature.signed_on.desc(), ProtocolSignature.id.desc())
        )
    )


def agencies_visible_to(user: User) -> list[Agency]:
    """The agencies whose protocol status ``user`` may see: all for an admin, the agencies
    of their own MARAC area for a coordinator or chair, none for anyone else."""
    query = sa.select(Agency).order_by(Agency.name)
    if user.role == Role.ADMIN:
        return list(db.session.scalars(query))
    if user.role in (Role.COORDINATOR, Role.CHAIR) and user.area_id is not None:
        return agencies_of_area(user.area_id, active_only=False)
    return []


@dataclass(frozen=True)
class RegisterRow:
    agency: Agency
    status: SignupStatus


def register_rows(agencies: list[Agency], on: date | None = None) -> list[RegisterRow]:
    """One row per agency with its sign-up status on ``on`` (default today)."""
    on = on or london_today()
    return [RegisterRow(agency, signup_status(agency, on)) for agency in agencies]


@dataclass(frozen=True)
class SignupCounts:
    signed_up: int
    needs_resign: int
    not_signed: int


def signup_counts(rows: list[RegisterRow]) -> SignupCounts:
    """How many agencies are signed up, need to re-sign, or are not signed up."""
    needs = sum(1 for row in rows if row.status.state == SignupState.NEEDS_RESIGN)
    signed = sum(1 for row in rows if row.status.state == SignupState.SIGNED_UP)
    return SignupCounts(signed, needs, len(rows) - signed - needs)
