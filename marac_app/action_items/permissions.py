"""Who may see, update and create actions. Fetch-then-authorise: load (404), check (404).

- Agency representatives see and update the actions their own agency owns, only while their
  agency is signed up to the information-sharing protocol, only in the areas they belong to
  (their own area when they have one, else the areas their agency serves), and only for cases
  on the agenda of a meeting to which they hold a live invitation — the cases they may see
  (marac_app/referrals/permissions.py). An agency serving two areas therefore does not show
  its representative in one area the actions of the other.
- A representative named as their agency's **point of contact** in an area
  (``PointOfContact``) also sees and updates every action their agency owns in that area,
  invited or not (still only while the agency is signed up, never another area's).
- Coordinators and chairs see every action of the cases of their own area; coordinators
  may update (and reopen) them; coordinators and chairs agree (create) actions.
- The actions of a case under restriction of processing are seen only by the coordinator of
  its area (as the case itself is).
- Admins and the DPO see no actions.

``visible_actions_clause`` is the one rule: lists, counts, the home page and ``can_view_action``
(every page with an action id) all use it.
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.action_items.chasing_models import PointOfContact
from marac_app.action_items.models import ActionItem
from marac_app.agencies.models import agency_areas
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.permissions import fetch_or_404
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import AgendaItem, Case
from marac_app.referrals.permissions import invited_case_ids
from marac_app.referrals.restriction import restricted_case_ids

AREA_ROLES = (Role.COORDINATOR, Role.CHAIR)


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def rep_may_see_agency_actions(user: User) -> bool:
    """A representative sees their agency's actions only while the agency is signed up."""
    return (
        _active(user)
        and user.role == Role.AGENCY_REP
        and user.agency_id is not None
        and signup_problem(user.agency) is None
    )


def unrestricted_clause(user: User) -> sa.ColumnElement[bool]:
    """Leaves out the actions of restricted cases, except for a coordinator (who sees the
    restricted cases of their own area: the area condition is applied beside this one)."""
    if user.role == Role.COORDINATOR:
        return sa.true()
    return ActionItem.case_id.not_in(restricted_case_ids())


def _rep_case_ids(user: User) -> sa.Select:
    """The cases whose actions a representative may see: on the agenda of a meeting they are
    invited to, in their own area (or, without one, an area their agency serves)."""
    if user.area_id is not None:
        in_their_areas = Case.area_id == user.area_id
    else:
        in_their_areas = Case.area_id.in_(
            sa.select(agency_areas.c.area_id).where(agency_areas.c.agency_id == user.agency_id)
        )
    # Not correlated with the caller's query (which joins Case itself): a list of case ids.
    return (
        invited_case_ids(user)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(in_their_areas)
        .correlate(None)
    )


def point_of_contact_area_ids(user: User) -> sa.Select:
    """The areas where ``user`` is a point of contact of their own agency (and, when the
    user has an area of their own, only that one)."""
    query = sa.select(PointOfContact.area_id).where(
        PointOfContact.user_id == user.id, PointOfContact.agency_id == user.agency_id
    )
    if user.area_id is not None:
        query = query.where(PointOfContact.area_id == user.area_id)
    return query.correlate(None)


def _contact_case_ids(user: User) -> sa.Select:
    """Every case of the areas where ``user`` is a point of contact."""
    return (
        sa.select(Case.id).where(Case.area_id.in_(point_of_contact_area_ids(user))).correlate(None)
    )


def visible_actions_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause limiting a query on ActionItem (joined to Case) to what ``user`` sees.

    The query must join ``Case`` on ``ActionItem.case_id`` (for coordinators and chairs; a
    representative's clause names only ActionItem). Nothing is visible by default.
    """
    if _active(user) and user.role in AREA_ROLES and user.area_id is not None:
        return sa.and_(Case.area_id == user.area_id, unrestricted_clause(user))
    if rep_may_see_agency_actions(user):
        return sa.and_(
            ActionItem.owner_agency_id == user.agency_id,
            sa.or_(
                ActionItem.case_id.in_(_rep_case_ids(user)),
                ActionItem.case_id.in_(_contact_case_ids(user)),
            ),
            unrestricted_clause(user),
        )
    return sa.false()


def can_view_action(user: User, action: ActionItem) -> bool:
    """``visible_actions_clause`` for one action (the same rule, asked of the database)."""
    if not _active(user) or user.role not in (*AREA_ROLES, Role.AGENCY_REP):
        return False
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .where(ActionItem.id == action.id, visible_actions_clause(user))
    )
    return bool(count)


def can_update_action(user: User, action: ActionItem) -> bool:
    """Record a status: a representative of the owning agency, or the area's coordinator."""
    if not can_view_action(user, action):
        return False
    return user.role in (Role.AGENCY_REP, Role.COORDINATOR)


def can_reopen_action(user: User, action: ActionItem) -> bool:
    return user.role == Role.COORDINATOR and can_view_action(user, action)


def can_create_action(user: User, case: Case) -> bool:
    """Agree an action for ``case``: the coordinator or a chair of the case's area."""
    return (
        _active(user)
        and user.role in AREA_ROLES
        and user.area_id is not None
        and case.area_id == user.area_id
    )


def sees_own_agency_actions(user: User) -> bool:
    """The action pages speak of "my agency's actions" (a representative) rather than the
    area's (a coordinator or chair)."""
    return user.role == Role.AGENCY_REP


def agency_actions_withheld(user: User) -> bool:
    """A representative whose agency is not signed up to the protocol: their agency's actions
    are withheld (the list says why instead of showing none)."""
    return sees_own_agency_actions(user) and not rep_may_see_agency_actions(user)


def can_name_points_of_contact(user: User, agency_id: int, area_id: int | None) -> bool:
    """Name an agency's points of contact in ``area_id``: the coordinator of that area (the
    agency must serve it), or an admin."""
    if not _active(user) or area_id is None:
        return False
    serves = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(agency_areas)
        .where(agency_areas.c.agency_id == agency_id, agency_areas.c.area_id == area_id)
    )
    if not serves:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.COORDINATOR and user.area_id == area_id


def can_chase_agency(user: User, agency_id: int) -> bool:
    """The coordinator of an area the agency serves may "chase this agency now"."""
    return (
        _active(user)
        and user.role == Role.COORDINATOR
        and can_name_points_of_contact(user, agency_id, user.area_id)
    )


def can_view_noncompletion(user: User) -> bool:
    """The steering group's non-completion report: a coordinator (own area), admin or DPO."""
    if not _active(user):
        return False
    if user.role == Role.COORDINATOR:
        return user.area_id is not None
    return user.role in (Role.ADMIN, Role.DPO)


def get_action_or_404(action_id: int | None, user: User) -> ActionItem:
    """The action if ``user`` may see it; otherwise 404 (a refusal is audited as denied)."""
    return fetch_or_404(
        ActionItem, action_id, allowed=lambda action: can_view_action(user, action), kind="action"
    )


def get_case_for_new_action_or_404(case_id: int | None, user: User) -> Case:
    """The case if ``user`` may agree actions for it; otherwise 404 (audited)."""
    return fetch_or_404(
        Case, case_id, allowed=lambda case: can_create_action(user, case), kind="case"
    )
