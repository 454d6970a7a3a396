"""Who may see the data return and set an area's population.

- Coordinators: their own area's return, downloads and population.
- Chairs: their own area's return and downloads (read only).
- Admins: any area (the return holds counts, not case details) and its population.
- Agency representatives and the DPO: no access (403 from the role rule).
Another area's id answers 404, so areas a user cannot see are not revealed.
"""

from __future__ import annotations

from marac_app.agencies.models import MaracArea
from marac_app.auth.models import Role, User
from marac_app.permissions import fetch_or_404, is_admin

REPORT_ROLES = (Role.COORDINATOR, Role.CHAIR, Role.ADMIN)


def can_view_return(user: User, area: MaracArea) -> bool:
    if is_admin(user):
        return True
    return user.role in (Role.COORDINATOR, Role.CHAIR) and user.area_id == area.id


def can_set_population(user: User, area: MaracArea) -> bool:
    if is_admin(user):
        return True
    return user.role == Role.COORDINATOR and user.area_id == area.id


def get_report_area_or_404(area_id: int | None, user: User) -> MaracArea:
    """The area whose return ``user`` asks for: 404 when missing or not theirs (audited)."""
    return fetch_or_404(
        MaracArea, area_id, allowed=lambda area: can_view_return(user, area), kind="marac_area"
    )


def get_population_area_or_404(area_id: int | None, user: User) -> MaracArea:
    """The area whose population ``user`` edits: 404 when missing or not allowed (audited)."""
    return fetch_or_404(
        MaracArea, area_id, allowed=lambda area: can_set_population(user, area), kind="marac_area"
    )
