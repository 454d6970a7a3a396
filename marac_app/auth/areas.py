"""The MARAC areas a person works in, and changing the one they are working in now.

``User.area_id`` is the area a person is working in now; every permission reads it, so a
person in two areas sees exactly what a one-area person of the area they are working in
sees, and nothing of the other. ``UserArea`` rows say which areas they may switch to. The
area they are working in always counts as one of them (accounts made before memberships,
or by code that sets only ``area_id``, stay usable). Signing in keeps ``area_id`` as it
was: a person starts in the area they last worked in.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from marac_app.agencies.models import MaracArea
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User, UserArea
from marac_app.common.errors import ServiceError
from marac_app.extensions import db

logger = logging.getLogger(__name__)


def member_area_ids(user: User) -> set[int]:
    """The ids of the areas ``user`` may work in (their memberships and the current area)."""
    ids = set(db.session.scalars(sa.select(UserArea.area_id).where(UserArea.user_id == user.id)))
    if user.area_id is not None:
        ids.add(user.area_id)
    return ids


def member_areas(user: User) -> list[MaracArea]:
    """The areas ``user`` may work in, by name (empty for people of no area)."""
    ids = member_area_ids(user)
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(MaracArea).where(MaracArea.id.in_(ids)).order_by(MaracArea.name)
        )
    )


def other_area_ids(user: User) -> list[int]:
    """The areas ``user`` may work in besides the one they are working in now."""
    return sorted(member_area_ids(user) - {user.area_id} if user.area_id else set())


def switch_area(user: User, area: MaracArea, *, actor: User) -> MaracArea:
    """Make ``area`` the one ``user`` is working in now. The caller has checked (404) that it
    is one of their areas; this refuses it again rather than trust that."""
    if area.id not in member_area_ids(user):
        raise ServiceError("Select one of the MARAC areas you work in", field="area")
    previous = user.area_id
    if previous != area.id:
        user.area_id = area.id
        db.session.flush()
    record(
        AuditAction.WORKING_AREA_CHANGED,
        actor=actor,
        object_type="marac_area",
        object_id=area.id,
        detail=f"from={previous}",
    )
    logger.info("user %s now working in area %s", user.id, area.id)
    return area


def set_memberships(user: User, area_ids: list[int]) -> tuple[set[int], set[int]]:
    """Make ``area_ids`` (with the area they work in now) the areas of ``user``.

    Returns the (added, removed) area ids; the caller validates and audits.
    """
    wanted = set(area_ids) | ({user.area_id} if user.area_id is not None else set())
    rows = list(db.session.scalars(sa.select(UserArea).where(UserArea.user_id == user.id)))
    have = {row.area_id for row in rows}
    for row in rows:
        if row.area_id not in wanted:
            db.session.delete(row)
    for area_id in sorted(wanted - have):
        db.session.add(UserArea(user_id=user.id, area_id=area_id))
    db.session.flush()
    return wanted - have, have - wanted
