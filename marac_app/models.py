"""Imports every model module so the metadata (and Alembic) sees all tables."""

from marac_app.agencies.models import Agency, AgencyKind, MaracArea, agency_areas
from marac_app.audit import AuditEvent
from marac_app.auth.models import PasswordToken, Role, User, UserSession

__all__ = [
    "Agency",
    "AgencyKind",
    "AuditEvent",
    "MaracArea",
    "PasswordToken",
    "Role",
    "User",
    "UserSession",
    "agency_areas",
]
