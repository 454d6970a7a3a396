"""Whether an agency is signed up to the information-sharing protocol, and the current
confidentiality statement.

``signup_status(agency)`` is the one rule every other feature asks before information can
reach a person (invitations, attendance, action owners, minutes recipients). Services here
flush, never commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from marac_app.agencies.models import Agency
from marac_app.common.errors import ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.protocol.models import ConfidentialityStatement, ProtocolSignature, ProtocolVersion

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    """Today's date in Europe/London (protocol dates are calendar dates there)."""
    return utcnow().astimezone(LONDON).date()


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
    on = on or today()
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


def _latest_signature(agency_id: int, version_id: int) -> ProtocolSignature | None:
    return db.session.scalar(
        sa.select(ProtocolSignature)
        .where(ProtocolSignature.agency_id == agency_id,
               ProtocolSignature.protocol_version_id == version_id)
        .order_by(ProtocolSignature.signed_on.desc(), ProtocolSignature.id.desc())
        .limit(1)
    )


def signup_status(agency: Agency, on: date | None = None) -> SignupStatus:
    """Is ``agency`` signed up on ``on`` (default today)?

    Signed up = a signature to the version in force that is neither withdrawn nor past its
    review date; or, within the grace period of a new version, such a signature to the
    version before it (state NEEDS_RESIGN, still signed up).
    """
    on = on or today()
    version = current_protocol(on)
    if version is None:
        return SignupStatus(SignupState.NO_PROTOCOL, False,
                            "No information-sharing protocol is in force", None, None)
    name = agency.name
    signature = _latest_signature(agency.id, version.id)
    if signature is not None:
        problem = _signature_problem(signature, on)
        if problem is None:
            return SignupStatus(SignupState.SIGNED_UP, True, None, signature, version)
        if problem is SignupState.WITHDRAWN:
            reason = (f"{name} has withdrawn from version {version.version_label} of the "
                      f"information-sharing protocol")
        elif problem is SignupState.REVIEW_OVERDUE:
            reason = (f"{name}'s signature to version {version.version_label} of the "
                      f"information-sharing protocol is past its review date")
        else:
            reason = (f"{name} has not signed version {version.version_label} of the "
                      f"information-sharing protocol")
        return SignupStatus(problem, False, reason, signature, version)
    not_signed = (f"{name} has not signed version {version.version_label} of the "
                  f"information-sharing protocol")
    previous = _previous_protocol(version)
    if previous is not None:
        old = _latest_signature(agency.id, previous.id)
        if old is not None and _signature_problem(old, on) is None:
            grace_ends = version.effective_date + timedelta(days=version.grace_days)
            if on < grace_ends:
                return SignupStatus(
                    SignupState.NEEDS_RESIGN, True,
                    f"{name} must sign version {version.version_label} of the "
                    f"information-sharing protocol by {grace_ends:%-d %B %Y}", old, version)
            return SignupStatus(SignupState.SUPERSEDED, False, not_signed, old, version)
    return SignupStatus(SignupState.NOT_SIGNED, False, not_signed, None, version)


def signup_problem(agency: Agency | None, on: date | None = None) -> str | None:
    """The reason information may not reach ``agency``'s people, or None when it may."""
    if agency is None:
        return "This person does not belong to an agency that has signed the " \
               "information-sharing protocol"
    status = signup_status(agency, on)
    return None if status.signed_up else status.reason


def require_signed_up(agency: Agency | None, *, field: str | None = None,
                      on: date | None = None) -> None:
    """Raise ServiceError naming the reason when ``agency`` is not signed up."""
    problem = signup_problem(agency, on)
    if problem:
        raise ServiceError(problem, field=field)


def current_statement() -> ConfidentialityStatement | None:
    """The newest confidentiality statement version (None before one is seeded)."""
    return db.session.scalar(
        sa.select(ConfidentialityStatement)
        .order_by(ConfidentialityStatement.version_number.desc())
        .limit(1)
    )
