"""Settings the statistics need: the adult female population of each MARAC area.

SafeLives judges a MARAC's volume as cases per 10,000 adult women a year; the population is a
figure the coordinator copies from the census or ONS mid-year estimates, so it is data, kept per
area with the date it refers to.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import MaracArea
from marac_app.db import Model, intpk, updated_at


class AreaPopulation(Model):
    """The number of adult women (16 and over) living in one MARAC area, as of a date."""

    __tablename__ = "area_population"

    id: Mapped[intpk]
    area_id: Mapped[int] = mapped_column(
        sa.ForeignKey("marac_area.id", ondelete="CASCADE"), unique=True
    )
    adult_women: Mapped[int] = mapped_column()
    as_of: Mapped[date] = mapped_column(sa.Date())
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[updated_at]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[MaracArea] = relationship()

    __mapper_args__ = {"version_id_col": version}
