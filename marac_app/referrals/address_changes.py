"""Changes to a victim's address and safe contact details: each needs a reason and is kept.

The ICO's advice after its reprimands for revealing victims' safe addresses: a proper
process for address changes. Correcting a referral (``services.update_referral``) that
changes the victim's address, safe phone, safe email or whether it is safe to call, text or
email is refused without a reason; with one, an ``AddressChange`` row records *which* fields
changed, why, who and when (never the old or new values), and the audit event names the
fields only. The agencies holding an earlier copy, or an open action needing the address,
are told at their next sign-in that it changed (marac_app/safeguards/notices.py reads these
rows) — never what it is.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.db import Model, created_at, intpk
from marac_app.extensions import db
from marac_app.referrals.people import Person

REASON_MAX = 1000
# The victim's fields this process covers, in the order the form shows them.
CONTACT_FIELDS: tuple[str, ...] = (
    "address",
    "safe_phone",
    "safe_email",
    "safe_to_call",
    "safe_to_text",
    "safe_to_email",
)
REASON_MISSING = "Enter why the victim's address or safe contact details are changing"
REASON_TOO_LONG = f"The reason must be {REASON_MAX} characters or fewer"


class AddressChange(Model):
    """One change of a victim's address or safe contact details: which fields, why, by whom."""

    __tablename__ = "address_change"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("marac_case.id", ondelete="CASCADE"), index=True
    )
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    # Comma-separated names from CONTACT_FIELDS (never the values).
    fields: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.Text())
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    changed_at: Mapped[created_at]

    @property
    def field_names(self) -> list[str]:
        return [f for f in self.fields.split(",") if f]


def _normalised(value: object) -> object:
    if isinstance(value, str):
        return value.strip() or None
    return value


def changed_contact_fields(before: Person | None, after: object) -> list[str]:
    """The names of CONTACT_FIELDS whose value differs between the saved victim ``before``
    and the new details ``after`` (any object with those attributes). Recording a detail
    for the first time is not a change (no victim before, or a field that was blank or "not
    asked"); clearing or replacing one is."""
    if before is None:
        return []
    return [
        name
        for name in CONTACT_FIELDS
        if _normalised(getattr(before, name)) is not None
        and _normalised(getattr(before, name)) != _normalised(getattr(after, name, None))
    ]


def clean_reason(reason: str | None) -> str:
    """The reason for a change, or ServiceError on the form's ``address_change_reason``."""
    text = (reason or "").replace("\r\n", "\n").strip()
    if not text:
        raise ServiceError(REASON_MISSING, field="address_change_reason")
    if len(text) > REASON_MAX:
        raise ServiceError(REASON_TOO_LONG, field="address_change_reason")
    return text


def record_address_change(
    *, case_id: int, referral_id: int, fields: list[str], reason: str, actor: User | None
) -> AddressChange:
    """Keep the change (flush, never commit) and audit it with the field names only."""
    change = AddressChange(
        case_id=case_id,
        referral_id=referral_id,
        fields=",".join(fields),
        reason=reason,
        changed_by_id=actor.id if actor else None,
    )
    db.session.add(change)
    db.session.flush()
    record(
        AuditAction.VICTIM_ADDRESS_CHANGED,
        actor=actor,
        object_type="case",
        object_id=case_id,
        case_ids=[case_id],
        detail=f"change={change.id} referral={referral_id} fields={','.join(fields)}",
    )
    return change


def latest_changes(case_ids: list[int]) -> dict[int, datetime]:
    """When each of ``case_ids`` last had its address changed (cases without one left out)."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        sa.select(AddressChange.case_id, sa.func.max(AddressChange.changed_at))
        .where(AddressChange.case_id.in_(case_ids))
        .group_by(AddressChange.case_id)
    )
    return {case_id: at for case_id, at in rows}
