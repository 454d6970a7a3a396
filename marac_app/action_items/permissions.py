"""Who may see, update and create actions. Fetch-then-authorise: load (404), check (404).

- Agency representatives see and update only the actions their own agency owns, and only
  while their agency is signed up to the information-sharing protocol.
- Coordinators and chairs see every action of the cases of their own area; coordinators
  may update (and reopen) them; coordinators and chairs agree (create) actions.
- Admins and the DPO see no actions.
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.action_items.models import ActionItem
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.permissions import _fetch
from marac_app.protocol.services import signup_problem
from marac_app.referrals.models import Case

AREA_ROLES = (Role.COORDINATOR, Role.CHAIR)


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def rep_may_see_agency_actions(user: User) -> bool:
    """A representative sees their agency's actions only while the agency is signed up."""
    return (_active(user) and user.role == Role.AGENCY_REP and user.agency_id is not None
            and signup_problem(user.agency) is None)


def visible_actions_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause limiting a query on ActionItem (joined to Case) to what ``user`` sees.

    The query must join ``Case`` on ``ActionItem.case_id``. Nothing is visible by default.
    """
    if _active(user) and user.role in AREA_ROLES and user.area_id is not None:
        return Case.area_id == user.area_id
    if rep_may_see_agency_actions(user):
        return ActionItem.owner_agency_id == user.agency_id
    return sa.false()


def can_view_action(user: User, action: ActionItem) -> bool:
    if not _active(user):
        return False
    if user.role in AREA_ROLES:
        return user.area_id is not None and action.case.area_id == user.area_id
    if user.role == Role.AGENCY_REP:
        return (action.owner_agency_id == user.agency_id
                and rep_may_see_agency_actions(user))
    return False


def can_update_action(user: User, action: ActionItem) -> bool:
    """Record a status: a representative of the owning agency, or the area's coordinator."""
    if not can_view_action(user, action):
        return False
    return user.role in (Role.AGENCY_REP, Role.COORDINATOR)


def can_reopen_action(user: User, action: ActionItem) -> bool:
    return user.role == Role.COORDINATOR and can_view_action(user, action)


def can_create_action(user: User, case: Case) -> bool:
    """Agree an action for ``case``: the coordinator or a chair of the case's area."""
    return (_active(user) and user.role in AREA_ROLES and user.area_id is not None
            and case.area_id == user.area_id)


def get_action_or_404(action_id: int | None, user: User) -> ActionItem:
    """The action if ``user`` may see it; otherwise 404 (a refusal is audited as denied)."""
    action = db.session.get(ActionItem, action_id) if action_id is not None else None
    return _fetch(ActionItem, action_id, user,
                  action is not None and can_view_action(user, action), "action")


def get_case_for_new_action_or_404(case_id: int | None, user: User) -> Case:
    """The case if ``user`` may agree actions for it; otherwise 404 (audited)."""
    case = db.session.get(Case, case_id) if case_id is not None else None
    return _fetch(Case, case_id, user, case is not None and can_create_action(user, case), "case")
