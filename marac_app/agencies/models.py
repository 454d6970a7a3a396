"""MARAC areas and agencies.

One deployment serves several MARAC areas of a county; each area has its own coordinator,
chairs, meetings and cases. An agency (police, IDVA service, housing …) may take part in the
MARACs of one or more areas.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.db import Model, created_at, db, intpk, str_enum, str_long, str_short


class AgencyKind(enum.StrEnum):
    """The kinds of agency that sit at a MARAC (DOMAIN.md)."""

    POLICE = "police"
    IDVA = "idva"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    ADULT_SOCIAL_CARE = "adult_social_care"
    PRIMARY_CARE = "primary_care"
    ACUTE_TRUST = "acute_trust"
    MENTAL_HEALTH = "mental_health"
    MIDWIFERY_HEALTH_VISITING = "midwifery_health_visiting"
    HOUSING = "housing"
    PROBATION = "probation"
    EDUCATION = "education"
    SUBSTANCE_MISUSE = "substance_misuse"
    SPECIALIST_SERVICE = "specialist_service"
    FIRE_SERVICE = "fire_service"
    OTHER = "other"

    @property
    def label(self) -> str:
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS: dict[AgencyKind, str] = {
    AgencyKind.POLICE: "Police",
    AgencyKind.IDVA: "IDVA service",
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Children's social care",
    AgencyKind.ADULT_SOCIAL_CARE: "Adult social care and safeguarding",
    AgencyKind.PRIMARY_CARE: "Primary care (GP)",
    AgencyKind.ACUTE_TRUST: "Acute trust or A&E",
    AgencyKind.MENTAL_HEALTH: "Mental health",
    AgencyKind.MIDWIFERY_HEALTH_VISITING: "Midwifery and health visiting",
    AgencyKind.HOUSING: "Housing or housing association",
    AgencyKind.PROBATION: "Probation",
    AgencyKind.EDUCATION: "Education",
    AgencyKind.SUBSTANCE_MISUSE: "Substance misuse",
    AgencyKind.SPECIALIST_SERVICE: "Specialist service (BAME, LGBT+, male victims)",
    AgencyKind.FIRE_SERVICE: "Fire service",
    AgencyKind.OTHER: "Other",
}


agency_areas = sa.Table(
    "agency_area",
    db.metadata,
    sa.Column("agency_id", sa.ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("marac_area.id", ondelete="CASCADE"), primary_key=True),
)


DEFAULT_CASE_TARGET_MINUTES = 12
MIN_CASE_TARGET_MINUTES = 1
MAX_CASE_TARGET_MINUTES = 120
DEFAULT_RETURN_DEADLINE_DAYS = 2
MAX_RETURN_DEADLINE_DAYS = 20


class ReturnVisibility(enum.StrEnum):
    """Who sees agencies' research returns before and at the meeting (the area's protocol
    decides): the chair and coordinator only, or every invited agency. "Information held but
    not shared" reaches the chair, the coordinator and the returning agency in either case."""

    CHAIR_AND_COORDINATOR = "chair_and_coordinator"
    INVITED_AGENCIES = "invited_agencies"

    @property
    def label(self) -> str:
        return RETURN_VISIBILITY_LABELS[self]


RETURN_VISIBILITY_LABELS: dict[ReturnVisibility, str] = {
    ReturnVisibility.CHAIR_AND_COORDINATOR: "The chair and the coordinator only",
    ReturnVisibility.INVITED_AGENCIES: "Every agency invited to the meeting",
}


class MaracArea(Model):
    """One MARAC area of the county (e.g. Cambridge, Peterborough, Fenland)."""

    __tablename__ = "marac_area"

    id: Mapped[intpk]
    name: Mapped[str_short] = mapped_column(unique=True)
    # Short code used in case references, e.g. CAM in CAM-2026-0042.
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The time the chair aims to give each case at a meeting (SafeLives: 10-15 minutes); the
    # run page's projected finish and overrun cue use it.
    case_target_minutes: Mapped[int] = mapped_column(
        default=DEFAULT_CASE_TARGET_MINUTES, server_default=str(DEFAULT_CASE_TARGET_MINUTES)
    )
    # Research returns (marac_app/research): due this many working days before the meeting,
    # and seen by whom before and at it.
    return_deadline_days: Mapped[int] = mapped_column(
        default=DEFAULT_RETURN_DEADLINE_DAYS, server_default=str(DEFAULT_RETURN_DEADLINE_DAYS)
    )
    return_visibility: Mapped[ReturnVisibility] = mapped_column(
        str_enum(ReturnVisibility, length=32),
        default=ReturnVisibility.CHAIR_AND_COORDINATOR,
        server_default=ReturnVisibility.CHAIR_AND_COORDINATOR.value,
    )
    created_at: Mapped[created_at]

    agencies: Mapped[list[Agency]] = relationship(
        secondary=agency_areas, back_populates="areas", order_by="Agency.name"
    )

    def __repr__(self) -> str:
        return f"<MaracArea {self.id} {self.code}>"


class Agency(Model):
    """An organisation that takes part in MARAC (a tenant for access decisions)."""

    __tablename__ = "agency"

    id: Mapped[intpk]
    name: Mapped[str_long] = mapped_column(unique=True)
    kind: Mapped[AgencyKind] = mapped_column(str_enum(AgencyKind))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[created_at]

    areas: Mapped[list[MaracArea]] = relationship(
        secondary=agency_areas, back_populates="agencies", order_by="MaracArea.name"
    )

    def __repr__(self) -> str:
        return f"<Agency {self.id}>"
