"""Who may review the audit trail: administrators and the Data Protection Officer."""

from __future__ import annotations

from marac_app.auth.models import Role, User

REVIEWER_ROLES = (Role.ADMIN, Role.DPO)


def can_review_audit(user: User) -> bool:
    return bool(user.is_authenticated and user.role in REVIEWER_ROLES)
