"""Who may transfer a case and who may answer a transfer. Fetch-then-authorise: 404 otherwise.

- Transfer a case out (within the deployment or as a pack): the coordinator of its area.
- See a waiting transfer and accept or decline it: a coordinator of the receiving area, and
  only while it waits. Until then the receiving area sees nothing else of the case: it is
  not in their area, so every case page, list and search answers as if it did not exist.
- Read the sending area's history from the received case: its area's coordinator and chair
  (``can_view_case`` on the received case, which a restricted case narrows further).
"""

from __future__ import annotations

from marac_app.auth.models import Role, User
from marac_app.permissions import fetch_or_404
from marac_app.referrals.models import Case
from marac_app.referrals.permissions import can_manage_cases, can_view_case
from marac_app.transfers.models import CaseTransfer


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def can_transfer_case(user: User, case: Case) -> bool:
    return can_view_case(user, case) and can_manage_cases(user, case.area_id)


def can_answer_transfer(user: User, transfer: CaseTransfer) -> bool:
    return (
        _active(user)
        and user.role == Role.COORDINATOR
        and transfer.is_pending
        and transfer.to_area_id is not None
        and user.area_id == transfer.to_area_id
    )


def can_read_transferred_history(user: User, case: Case) -> bool:
    return (
        user.role in (Role.COORDINATOR, Role.CHAIR)
        and can_view_case(user, case)
        and user.area_id == case.area_id
    )


def get_case_to_transfer_or_404(case_id: int | None, user: User) -> Case:
    return fetch_or_404(
        Case, case_id, allowed=lambda case: can_transfer_case(user, case), kind="case"
    )


def get_transfer_to_answer_or_404(transfer_id: int | None, user: User) -> CaseTransfer:
    return fetch_or_404(
        CaseTransfer,
        transfer_id,
        allowed=lambda transfer: can_answer_transfer(user, transfer),
        kind="case_transfer",
    )


def get_received_case_or_404(case_id: int | None, user: User) -> Case:
    return fetch_or_404(
        Case, case_id, allowed=lambda case: can_read_transferred_history(user, case), kind="case"
    )
