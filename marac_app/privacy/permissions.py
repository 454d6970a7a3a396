"""Who may do what with data-protection records. Fetch-then-authorise: load (404), check (404).

- Data-subject requests, legal holds, restrictions and retention: the DPO only (not admins).
- The privacy notice: read by every signed-in user; edited by the DPO and admins.
- Closing a case: the coordinator of the case's area.
- The references of cases erased in an area (no personal data): that area's coordinator.
"""

from __future__ import annotations

from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.permissions import _fetch
from marac_app.privacy.models import SubjectRequest
from marac_app.referrals.models import Case


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def is_dpo(user: User) -> bool:
    return _active(user) and user.role == Role.DPO


def can_edit_notice(user: User) -> bool:
    return _active(user) and user.role in (Role.DPO, Role.ADMIN)


def can_close_case(user: User, case: Case) -> bool:
    return (
        _active(user)
        and user.role == Role.COORDINATOR
        and user.area_id is not None
        and user.area_id == case.area_id
    )


def erasures_area_of(user: User) -> int | None:
    """The area whose recently erased case references ``user`` is shown (a coordinator:
    their own area), or None."""
    if _active(user) and user.role == Role.COORDINATOR:
        return user.area_id
    return None


def get_request_or_404(request_id: int | None, user: User) -> SubjectRequest:
    return _fetch(SubjectRequest, request_id, user, is_dpo(user), "subject_request")


def get_case_for_dpo_or_404(case_id: int | None, user: User) -> Case:
    return _fetch(Case, case_id, user, is_dpo(user), "case")


def get_case_to_close_or_404(case_id: int | None, user: User) -> Case:
    case = db.session.get(Case, case_id) if case_id is not None else None
    return _fetch(Case, case_id, user, case is not None and can_close_case(user, case), "case")
