"""Restriction of processing: the questions other features ask before showing a case.

A restricted case is seen only by the coordinator of its area and the DPO; it is left out of
case lists, research lists and distribution, and pages show a banner. Other features call:

- ``is_restricted(case_id) -> bool``
- ``restricted_case_ids() -> sa.Select`` (a subquery of case ids, for ``Case.id.not_in(...)``)
- ``may_see_restricted(user, case) -> bool``
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.referrals.models import Case, CaseRestriction


def restricted_case_ids() -> sa.Select[tuple[int]]:
    """``select(case_id)`` of every restricted case (use as ``Case.id.not_in(...)``)."""
    return sa.select(CaseRestriction.case_id)


_MEMO = "restricted_cases"


def is_restricted(case_id: int) -> bool:
    memo = db.session.info.get(_MEMO)
    if memo is not None and memo[0] is db.session().get_transaction() and case_id in memo[1]:
        return bool(memo[1][case_id])
    return (
        db.session.scalar(sa.select(sa.func.count()).where(CaseRestriction.case_id == case_id)) or 0
    ) > 0


def restricted_column(
    case_id: sa.ColumnElement[int] | orm.QueryableAttribute[int],
) -> sa.ScalarSelect[int]:
    """A column (for a statement that reads the case anyway) saying whether ``case_id`` is
    restricted; give its value to ``remember`` so ``is_restricted`` needs no statement of its
    own in this transaction (the live page's idle poll, bench/live_minutes.py)."""
    return (
        sa.select(sa.func.count(CaseRestriction.id))
        .where(CaseRestriction.case_id == case_id)
        .scalar_subquery()
    )


def remember(case_id: int, restricted: bool) -> None:
    """Keep ``restricted`` for ``case_id`` until this transaction ends (or the case's
    restriction changes here)."""
    transaction = db.session().get_transaction()
    memo = db.session.info.get(_MEMO)
    if memo is None or memo[0] is not transaction:
        known: dict[int, bool] = {}
        memo = (transaction, known)
        db.session.info[_MEMO] = memo
    memo[1][case_id] = restricted


def _forget() -> None:
    db.session.info.pop(_MEMO, None)


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
    _forget()
    record(AuditAction.CASE_RESTRICTED, actor=actor, object_type="case", object_id=case.id)
    return restriction


def lift_restriction(case: Case, *, actor: User | None) -> None:
    restriction = restriction_for(case.id)
    if restriction is not None:
        db.session.delete(restriction)
        db.session.flush()
    _forget()
    record(AuditAction.CASE_RESTRICTION_LIFTED, actor=actor, object_type="case", object_id=case.id)
