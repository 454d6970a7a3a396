"""Who may see and manage the information-sharing protocol register.

- Admins: every agency; manage versions, signatures and the confidentiality statement.
- Coordinators: the agencies of their own MARAC area; manage those agencies' signatures,
  protocol versions and the confidentiality statement.
- Chairs: read the register of their own area.
- Agency representatives and the DPO: no access to the register pages.

Object ids go through the fetch-then-authorise helpers below: load (404 when missing), then
check (404 when the object belongs to another area, so its existence is not revealed).
"""

from __future__ import annotations

from marac_app.agencies.models import Agency
from marac_app.auth.models import Role, User
from marac_app.permissions import fetch_or_404
from marac_app.protocol.models import ProtocolSignature, ProtocolVersion

VIEW_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.CHAIR)
MANAGE_ROLES = (Role.ADMIN, Role.COORDINATOR)


def can_view_agency_protocol(user: User, agency: Agency) -> bool:
    """May ``user`` see ``agency``'s protocol status and signatures?"""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role in (Role.COORDINATOR, Role.CHAIR) and user.area_id is not None:
        return any(area.id == user.area_id for area in agency.areas)
    return False


def can_manage_agency_protocol(user: User, agency: Agency) -> bool:
    """May ``user`` record, correct or withdraw ``agency``'s signatures?"""
    return (
        user.is_authenticated
        and user.role in MANAGE_ROLES
        and can_view_agency_protocol(user, agency)
    )


def can_manage_protocol(user: User) -> bool:
    """May ``user`` add protocol versions and publish confidentiality statements?"""
    return user.is_authenticated and user.role in MANAGE_ROLES


def can_read_register(user: User) -> bool:
    """May ``user`` read the register (pages, print, CSV, protocol versions, statement)?"""
    return user.is_authenticated and user.role in VIEW_ROLES


def get_agency_for_protocol_or_404(
    agency_id: int | None, user: User, *, manage: bool = False
) -> Agency:
    """The agency whose protocol status ``user`` may see (``manage``: change); 404 otherwise."""
    allowed = can_manage_agency_protocol if manage else can_view_agency_protocol
    return fetch_or_404(
        Agency, agency_id, allowed=lambda agency: allowed(user, agency), kind="agency"
    )


def get_signature_or_404(
    signature_id: int | None, user: User, *, manage: bool = False
) -> ProtocolSignature:
    """A signature of an agency ``user`` may see (``manage``: change); 404 otherwise."""
    allowed = can_manage_agency_protocol if manage else can_view_agency_protocol
    return fetch_or_404(
        ProtocolSignature,
        signature_id,
        allowed=lambda signature: allowed(user, signature.agency),
        kind="protocol_signature",
    )


def get_version_or_404(version_id: int | None, user: User) -> ProtocolVersion:
    """Protocol versions are county-wide: any register reader may see them."""
    return fetch_or_404(
        ProtocolVersion,
        version_id,
        allowed=lambda _version: can_read_register(user),
        kind="protocol_version",
    )
