"""Imports every model module so the metadata (and Alembic) sees all tables.

Each feature folder owns its ``models.py``; add the import here when a feature adds one.
"""

from marac_app.action_items.chasing_models import ActionChase, PointOfContact  # noqa: F401
from marac_app.action_items.models import ActionItem, ActionStatusUpdate
from marac_app.agencies.models import Agency, AgencyKind, MaracArea, agency_areas
from marac_app.attendance.models import (
    Attendance,
    CaseDeferral,
    ConfidentialityAcknowledgement,
    MeetingOpening,
    Observer,
)
from marac_app.audit import AuditEvent
from marac_app.auth.models import PasswordToken, Role, User, UserSession
from marac_app.distribution.models import DocumentCopy, RenderedMaster
from marac_app.jobs.models import BackgroundJob, ScheduledJobRun  # noqa: F401
from marac_app.meetings.models import Invitation, Meeting, MeetingSeries
from marac_app.minutes.models import (
    ApprovalReason,
    DraftCirculation,
    DraftComment,
    DraftRecipient,
    MinuteEntry,
    MinuteEntryRevision,
    MinutesAmendment,
    MinutesApproval,
    RiskSummary,
)
from marac_app.notifications.models import Notification, NotificationEmailChoice  # noqa: F401
from marac_app.privacy.models import CaseLegalHold, CaseStatistic  # noqa: F401
from marac_app.protocol.models import ConfidentialityStatement, ProtocolSignature, ProtocolVersion
from marac_app.referrals.address_alerts import CaseAddressAlert  # noqa: F401
from marac_app.referrals.address_changes import AddressChange  # noqa: F401
from marac_app.referrals.models import AgendaItem, Case, CaseStatus
from marac_app.reports.models import AreaPopulation  # noqa: F401
from marac_app.research.models import (  # noqa: F401
    ResearchCirculation,
    ResearchReturn,
    ResearchReturnItem,
)
from marac_app.safeguards.models import AddressNoticeDismissal  # noqa: F401
from marac_app.transfers.models import CaseTransfer  # noqa: F401

__all__ = [
    "ApprovalReason",
    "DraftCirculation",
    "DraftComment",
    "DraftRecipient",
    "MinuteEntry",
    "MinuteEntryRevision",
    "MinutesAmendment",
    "MinutesApproval",
    "RiskSummary",
    "DocumentCopy",
    "RenderedMaster",
    "BackgroundJob",
    "Attendance",
    "ConfidentialityAcknowledgement",
    "MeetingOpening",
    "Observer",
    "CaseDeferral",
    "ActionItem",
    "ActionStatusUpdate",
    "AgendaItem",
    "Case",
    "CaseStatus",
    "Invitation",
    "Agency",
    "AgencyKind",
    "AuditEvent",
    "ConfidentialityStatement",
    "Meeting",
    "MeetingSeries",
    "MaracArea",
    "PasswordToken",
    "ProtocolSignature",
    "ProtocolVersion",
    "Role",
    "User",
    "UserSession",
    "agency_areas",
]
