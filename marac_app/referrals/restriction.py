"""Restriction of processing: the questions other features ask before showing a case.

A restricted case is seen only by the coordinator of its area and the DPO; it is left out of
case lists, research lists and distribution, and pages show a banner. Other features call:

- ``is_restricted(case_id) -> bool``
- ``restricted_case_ids() -> sa.Select`` (a subquery of case ids, for ``Case.id.not_in(...)``)
- ``may_see_restricted(user, case) -> bool``
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.referrals.models import Case, CaseRestriction


def restricted_case_ids() -> sa.Select[tuple[int]]:
    """``select(case_id)`` of every restricted case (use as ``Case.id.not_in(...)``)."""
    return sa.select(CaseRestriction.case_id)


def is_restricted(case_id: int) -> bool:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(CaseRestriction.case_id == case_id)) or 0
    ) > 0


def restriction_for(case_id: int) -> CaseRestriction | None:
    return db.session.scalar(sa.select(CaseRestriction).where(CaseRestriction.case_id == case_id))


def may_see_restricted(user: User, case: Case) -> bool:
    """The coordinator of the case's area and the DPO only."""
    if not (user.is_authenticated and user.active):
        return False
    if user.role == Role.DPO:
        return True
    return user.role == Role.COORDINATOR and user.area_id == case.area_id


def restrict(
    case: Case, reason: str, *, actor: User | None, request_id: int | None = None
) -> CaseRestriction:
    restriction = restriction_for(case.id)
    if restriction is None:
        restriction = CaseRestriction(
            case_id=case.id,
            reason=reason,
            request_id=request_id,
            set_by_id=actor.id if actor else None,
        )
        db.session.add(restriction)
    else:
        restriction.reason = reason
    db.session.flush()
    record(AuditAction.CASE_RESTRICTED, actor=actor, object_type="case", object_id=case.id)
    return restriction


def lift_restriction(case: Case, *, actor: User | None) -> None:
    restriction = restriction_for(case.id)
    if restriction is not None:
        db.session.delete(restriction)
        db.session.flush()
    record(AuditAction.CASE_RESTRICTION_LIFTED, actor=actor, object_type="case", object_id=case.id)
