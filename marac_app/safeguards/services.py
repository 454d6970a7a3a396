"""Address alerts on cases, and what the templates ask about them.

Services flush, never commit, never read the request; each change is audited with ids and
field names only (never the reason's text or an address).
"""

from __future__ import annotations

import sqlalchemy as sa

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.referrals.address_alerts import CaseAddressAlert, forget_alerts
from marac_app.referrals.models import Case

REASON_MAX = 1000

ALERT_REASON_MISSING = "Enter why the case needs an address alert"
CLEAR_REASON_MISSING = "Enter why the address alert is being cleared"
REASON_TOO_LONG = f"The reason must be {REASON_MAX} characters or fewer"
ALREADY_SET = "This case already has an address alert"
NOT_SET = "This case has no address alert to clear"


def _reason(value: str | None, missing: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ServiceError(missing, field="reason")
    if len(text) > REASON_MAX:
        raise ServiceError(REASON_TOO_LONG, field="reason")
    return text


def active_alert(case_id: int) -> CaseAddressAlert | None:
    return db.session.scalar(
        sa.select(CaseAddressAlert).where(
            CaseAddressAlert.case_id == case_id, CaseAddressAlert.cleared_at.is_(None)
        )
    )


def alert_history(case_id: int) -> list[CaseAddressAlert]:
    return list(
        db.session.scalars(
            sa.select(CaseAddressAlert)
            .where(CaseAddressAlert.case_id == case_id)
            .order_by(CaseAddressAlert.id.desc())
        )
    )


def set_alert(case: Case, *, reason: str | None, actor: User) -> CaseAddressAlert:
    """Put "Address confidential – do not disclose" on ``case``. ServiceError when the reason
    is missing or too long (field ``reason``) or the case already carries an alert."""
    text = _reason(reason, ALERT_REASON_MISSING)
    if active_alert(case.id) is not None:
        raise ServiceError(ALREADY_SET)
    alert = CaseAddressAlert(case_id=case.id, reason=text, set_by_id=actor.id)
    db.session.add(alert)
    db.session.flush()
    forget_alerts()
    record(
        AuditAction.ADDRESS_ALERT_SET,
        actor=actor,
        object_type="case",
        object_id=case.id,
        detail=f"alert={alert.id} fields=reason",
    )
    return alert


def clear_alert(case: Case, *, reason: str | None, actor: User) -> CaseAddressAlert:
    """Clear ``case``'s alert (kept, with who cleared it, when and why)."""
    text = _reason(reason, CLEAR_REASON_MISSING)
    alert = active_alert(case.id)
    if alert is None:
        raise ServiceError(NOT_SET)
    alert.cleared_at = utcnow()
    alert.cleared_by_id = actor.id
    alert.clear_reason = text
    db.session.flush()
    forget_alerts()
    record(
        AuditAction.ADDRESS_ALERT_CLEARED,
        actor=actor,
        object_type="case",
        object_id=case.id,
        detail=f"alert={alert.id} fields=clear_reason",
    )
    return alert


def case_subject(case: Case | None) -> str:
    """The case's subject as agencies identify it: the victim's name and date of birth
    ("Valerie Victimson, born 1 March 1990"), never the address."""
    victim = case.victim if case is not None else None
    if victim is None:
        return ""
    if victim.date_of_birth is None:
        return f"{victim.full_name}, date of birth not known"
    return f"{victim.full_name}, born {victim.date_of_birth.strftime('%-d %B %Y')}"
