"""Fictional demo data for development and the browser tests. Never used in production."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marac_app.agencies import services as agency_services
from marac_app.agencies.models import Agency, AgencyKind, MaracArea
from marac_app.auth import passwords
from marac_app.auth.models import Role, User
from marac_app.auth.services import UserDetails, create_user
from marac_app.db import utcnow
from marac_app.extensions import db

DEMO_AREAS = [("Cambridge", "CAM"), ("Peterborough", "PBO"), ("Fenland", "FEN")]

DEMO_AGENCIES: list[tuple[str, AgencyKind, list[str]]] = [
    ("Fenshire Constabulary (demo)", AgencyKind.POLICE, ["CAM", "PBO", "FEN"]),
    ("Fenshire IDVA Service (demo)", AgencyKind.IDVA, ["CAM", "PBO", "FEN"]),
    ("Fenshire Children's Social Care (demo)", AgencyKind.CHILDRENS_SOCIAL_CARE,
     ["CAM", "PBO", "FEN"]),
    ("Riverside Housing Association (demo)", AgencyKind.HOUSING, ["CAM", "FEN"]),
    ("Fenshire Probation Service (demo)", AgencyKind.PROBATION, ["CAM", "PBO", "FEN"]),
    ("Fenshire Community Health (demo)", AgencyKind.PRIMARY_CARE, ["CAM", "PBO"]),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    job_title: str
    role: Role
    agency: str | None
    area: str | None
    password: str


DEMO_USERS = [
    DemoUser("admin@demo.example", "Ada Demo-Admin", "System administrator", Role.ADMIN,
             None, None, "lantern orchard pebble"),
    DemoUser("coordinator@demo.example", "Cora Demo-Coordinator", "MARAC coordinator",
             Role.COORDINATOR, "Fenshire IDVA Service (demo)", "CAM", "violet kettle harbour"),
    DemoUser("chair@demo.example", "Charles Demo-Chair", "Detective Inspector", Role.CHAIR,
             "Fenshire Constabulary (demo)", "CAM", "copper meadow lantern"),
    DemoUser("housing.rep@demo.example", "Hana Demo-Housing", "Tenancy sustainment officer",
             Role.AGENCY_REP, "Riverside Housing Association (demo)", "CAM",
             "saffron tunnel beacon"),
    DemoUser("police.rep@demo.example", "Priya Demo-Police", "Safeguarding officer",
             Role.AGENCY_REP, "Fenshire Constabulary (demo)", "CAM", "marble falcon ribbon"),
]


def seed_demo() -> int:
    """Create whatever demo records are missing; return how many were added."""
    added = 0
    areas: dict[str, MaracArea] = {}
    for name, code in DEMO_AREAS:
        area = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == code))
        if area is None:
            area = agency_services.save_area(name=name, code=code, active=True, actor=None)
            added += 1
        areas[code] = area
    agencies: dict[str, Agency] = {}
    for name, kind, codes in DEMO_AGENCIES:
        agency = db.session.scalar(sa.select(Agency).where(Agency.name == name))
        if agency is None:
            agency = agency_services.save_agency(
                name=name, kind=kind, area_ids=[areas[c].id for c in codes], active=True,
                actor=None,
            )
            added += 1
        agencies[name] = agency
    for person in DEMO_USERS:
        if db.session.scalar(sa.select(User).where(User.email == person.email)) is not None:
            continue
        user = create_user(
            UserDetails(
                email=person.email, name=person.name, job_title=person.job_title,
                role=person.role,
                agency_id=agencies[person.agency].id if person.agency else None,
                area_id=areas[person.area].id if person.area else None,
            ),
            actor=None,
        )
        # Demo passwords are fixed and published, so they skip the policy check on purpose.
        user.password_hash = passwords.hash_password(person.password)
        user.password_changed_at = utcnow()
        added += 1
    db.session.flush()
    return added
