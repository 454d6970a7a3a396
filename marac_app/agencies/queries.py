"""The one "agencies of a MARAC area" query, for every feature that lists or checks them."""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.agencies.models import Agency, agency_areas
from marac_app.db import db


def agencies_of_area(area_id: int | None, *, active_only: bool = True) -> list[Agency]:
    """The agencies taking part in the MARAC of ``area_id``, by name: only the active ones
    unless ``active_only=False`` (a register that still shows a closed agency's history).
    An empty list for no area."""
    if area_id is None:
        return []
    query = (
        sa.select(Agency)
        .join(agency_areas, agency_areas.c.agency_id == Agency.id)
        .where(agency_areas.c.area_id == area_id)
        .order_by(Agency.name)
    )
    if active_only:
        query = query.where(Agency.active.is_(True))
    return list(db.session.scalars(query))
