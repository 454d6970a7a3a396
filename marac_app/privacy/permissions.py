"""Who may do what with data-protection records. Fetch-then-authorise: load (404), check (404).

- Data-subject requests, legal holds, restrictions and retention: the DPO only (not admins).
- The privacy notice: read by every signed-in user; edited by the DPO and admins.
- Closing a case: the coordinator of the case's area (found by its reference).
- The references of cases erased in an area (no personal data): that area's coordinator.
"""

from __future__ import annotations

from marac_app.auth.models import Role, User
from marac_app.permissions import deny, fetch_or_404, mark_authorised
from marac_app.privacy.models import SubjectRequest, SubjectRequestCase
from marac_app.privacy.services import find_case_by_reference
from marac_app.privacy.subjects import link_for
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
    return fetch_or_404(
        SubjectRequest, request_id, allowed=lambda _r: is_dpo(user), kind="subject_request"
    )


def get_case_for_dpo_or_404(case_id: int | None, user: User) -> Case:
    return fetch_or_404(Case, case_id, allowed=lambda _c: is_dpo(user), kind="case")


def get_case_to_close_or_404(case_id: int | None, user: User) -> Case:
    return fetch_or_404(Case, case_id, allowed=lambda c: can_close_case(user, c), kind="case")


def find_case_to_close(reference: str, user: User) -> Case | None:
    """The case with ``reference`` when ``user`` may close it (None otherwise: the form says
    no case *in your area* has it, so another area's case is not revealed)."""
    case = find_case_by_reference(reference)
    if case is None or not can_close_case(user, case):
        return None
    mark_authorised("case", case.id)
    return case


def get_linked_case_or_404(found: SubjectRequest, case_id: int | None, user: User) -> Case:
    """A case attached to the request ``found`` (404 otherwise, audited as denied)."""
    if case_id is None or case_id not in {link.case_id for link in found.cases}:
        deny(f"case:{case_id}", object_type="case", object_id=case_id)
    return get_case_for_dpo_or_404(case_id, user)


def get_link_and_case_or_404(
    found: SubjectRequest, case_id: int, user: User
) -> tuple[SubjectRequestCase, Case]:
    """The request's link to ``case_id`` and the case (404 otherwise, audited as denied)."""
    link = link_for(found, case_id)
    if link is None:
        deny(f"case:{case_id}", object_type="case", object_id=case_id)
    return link, get_case_for_dpo_or_404(case_id, user)
