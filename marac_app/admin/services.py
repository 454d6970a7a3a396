"""Business operations for MARAC areas and agencies (admin only; every change audited)."""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.agencies.models import (
    MAX_RETURN_DEADLINE_DAYS,
    Agency,
    AgencyKind,
    MaracArea,
    ReturnVisibility,
)
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth import areas as user_areas
from marac_app.auth.models import Role, User
from marac_app.common.errors import ServiceError
from marac_app.extensions import db


def list_areas() -> list[MaracArea]:
    return list(db.session.scalars(sa.select(MaracArea).order_by(MaracArea.name)))


def list_agencies() -> list[Agency]:
    return list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))


def _unique(
    model: type,
    column: sa.orm.InstrumentedAttribute,
    value: str,
    field: str,
    message: str,
    existing: object | None,
) -> None:
    clash = db.session.scalar(sa.select(model).where(sa.func.lower(column) == value.lower()))
    if clash is not None and clash is not existing:
        raise ServiceError(message, field=field)


def save_area(
    *,
    name: str,
    code: str,
    active: bool,
    actor: User | None,
    area: MaracArea | None = None,
    case_target_minutes: int | None = None,
    return_deadline_days: int | None = None,
    return_visibility: str | None = None,
) -> MaracArea:
    """Create an area (``area`` None) or change one. Names and codes are unique. None for
    the target minutes, the research return deadline (working days) or who sees returns
    keeps the area's current value (the default for a new area)."""
    name, code = name.strip(), code.strip().upper()
    _unique(MaracArea, MaracArea.name, name, "name", "An area with this name already exists", area)
    _unique(MaracArea, MaracArea.code, code, "code", "An area with this code already exists", area)
    created = area is None
    if area is None:
        area = MaracArea(name=name, code=code, active=active)
        db.session.add(area)
    else:
        area.name, area.code, area.active = name, code, active
    if case_target_minutes is not None:
        area.case_target_minutes = case_target_minutes
    if return_deadline_days is not None:
        if not 0 <= return_deadline_days <= MAX_RETURN_DEADLINE_DAYS:
            raise ServiceError(
                "Working days before the meeting must be a whole number from 0 to "
                f"{MAX_RETURN_DEADLINE_DAYS}",
                field="return_deadline_days",
            )
        area.return_deadline_days = return_deadline_days
    if return_visibility is not None:
        try:
            area.return_visibility = ReturnVisibility(return_visibility)
        except ValueError:
            raise ServiceError(
                "Select who sees agencies' research returns", field="return_visibility"
            ) from None
    db.session.flush()
    record(
        AuditAction.AREA_CREATED if created else AuditAction.AREA_UPDATED,
        actor=actor,
        object_type="marac_area",
        object_id=area.id,
    )
    return area


def save_agency(
    *,
    name: str,
    kind: AgencyKind,
    area_ids: list[int],
    active: bool,
    actor: User | None,
    agency: Agency | None = None,
) -> Agency:
    """Create an agency (``agency`` None) or change one. Names are unique."""
    name = name.strip()
    _unique(Agency, Agency.name, name, "name", "An agency with this name already exists", agency)
    areas = list(db.session.scalars(sa.select(MaracArea).where(MaracArea.id.in_(area_ids))))
    if len(areas) != len(set(area_ids)):
        raise ServiceError("Select MARAC areas from the list", field="areas")
    if not areas:
        raise ServiceError(
            "Select at least one MARAC area this agency takes part in", field="areas"
        )
    created = agency is None
    if agency is None:
        agency = Agency(name=name, kind=kind, active=active)
        db.session.add(agency)
    else:
        agency.name, agency.kind, agency.active = name, kind, active
    agency.areas = areas
    db.session.flush()
    record(
        AuditAction.AGENCY_CREATED if created else AuditAction.AGENCY_UPDATED,
        actor=actor,
        object_type="agency",
        object_id=agency.id,
    )
    return agency


def set_user_areas(user: User, also_area_ids: list[int], *, actor: User) -> None:
    """Make ``user`` a member of their MARAC area (``user.area_id``, the one they work in now)
    and of ``also_area_ids`` (issue 15), audited when it changes.

    Refused: other areas without a first one, ids that are not areas, and for an agency
    representative any area their agency does not serve (they could act for it nowhere).
    """
    wanted = set(also_area_ids) - {user.area_id}
    if wanted and user.area_id is None:
        raise ServiceError(
            "Select the user's MARAC area before the other areas they work in", field="area"
        )
    every = wanted | ({user.area_id} if user.area_id is not None else set())
    found = set(db.session.scalars(sa.select(MaracArea.id).where(MaracArea.id.in_(every))))
    if found != every:
        raise ServiceError("Select MARAC areas from the list", field="also_areas")
    if user.role == Role.AGENCY_REP and every:
        agency = db.session.get(Agency, user.agency_id) if user.agency_id else None
        served = {area.id for area in agency.areas} if agency else set()
        message = "Select only MARAC areas the representative's agency takes part in"
        if wanted - served:
            raise ServiceError(message, field="also_areas")
        if not every <= served:
            raise ServiceError(message, field="area")
    added, removed = user_areas.set_memberships(user, sorted(wanted))
    if added or removed:
        record(
            AuditAction.USER_AREAS_CHANGED,
            actor=actor,
            object_type="user",
            object_id=user.id,
            detail="added="
            + ",".join(map(str, sorted(added)))
            + " removed="
            + ",".join(map(str, sorted(removed))),
        )
