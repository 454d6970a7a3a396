"""Demo settings for the statistics page: the adult female population of Cambridge."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marac_app.agencies.models import MaracArea
from marac_app.extensions import db
from marac_app.reports import services

# A round, fictional figure of the size of a small city's adult female population.
DEMO_POPULATIONS = {"CAM": (52_000, date(2025, 6, 30))}


def seed_reports_demo() -> int:
    """Set the demo areas' populations where none is set; return how many were added."""
    added = 0
    for code, (adult_women, as_of) in DEMO_POPULATIONS.items():
        area = db.session.scalar(sa.select(MaracArea).where(MaracArea.code == code))
        if area is None or services.population_for(area.id) is not None:
            continue
        services.set_population(
            area, adult_women=adult_women, as_of=as_of, version=None, actor=None
        )
        added += 1
    return added
