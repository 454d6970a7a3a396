"""Who may have a victim's address shown, and who manages address alerts.

Fetch-then-authorise, 404 for everything else:

- ``can_reveal_address``: a representative of the agency owning an *open* action that was
  agreed as needing the victim's address, who may see that action (their agency signed up,
  the case in their area and on a meeting they are invited to, not restricted: the action's
  own rule, ``action_items.permissions.can_view_action``). Nobody else — not the
  coordinator or chair (they read it on the case page already), not another agency, not the
  same agency's representative in another area — and nobody once the action is closed.
- ``can_manage_address_alert``: the coordinator of the case's area.
- ``sees_flag_register``: a representative whose agency is signed up (their agency's
  register), or a coordinator or chair (their area's register, by agency).
"""

from __future__ import annotations

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.action_items.permissions import can_view_action, rep_may_see_agency_actions
from marac_app.auth.models import Role, User
from marac_app.permissions import fetch_or_404
from marac_app.referrals.models import Case
from marac_app.referrals.permissions import can_manage_cases


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def address_may_be_shown(action: ActionItem) -> bool:
    """The action itself allows a showing: agreed as needing the address, still open."""
    return bool(action.needs_address) and action.status == ActionStatus.OPEN


def can_reveal_address(user: User, action: ActionItem) -> bool:
    return (
        _active(user)
        and user.role == Role.AGENCY_REP
        and user.agency_id is not None
        and user.agency_id == action.owner_agency_id
        and address_may_be_shown(action)
        and can_view_action(user, action)
    )


def get_action_for_address_or_404(action_id: int | None, user: User) -> ActionItem:
    return fetch_or_404(
        ActionItem,
        action_id,
        allowed=lambda action: can_reveal_address(user, action),
        kind="action",
    )


def can_manage_address_alert(user: User, case: Case) -> bool:
    return can_manage_cases(user, case.area_id)


def get_case_for_alert_or_404(case_id: int | None, user: User) -> Case:
    return fetch_or_404(
        Case, case_id, allowed=lambda case: can_manage_address_alert(user, case), kind="case"
    )


def sees_flag_register(user: User) -> bool:
    if not _active(user):
        return False
    if user.role == Role.AGENCY_REP:
        return rep_may_see_agency_actions(user)
    return user.role in (Role.COORDINATOR, Role.CHAIR) and user.area_id is not None
