"""The home page's "My agency's actions" panel: what it shows and the audit event of showing
it. Read only: the home view (``marac_app.main.views``) writes ``home_actions_read`` before it
renders, and the template global (``action_items.views``) shows the same rows."""

from __future__ import annotations

from typing import Any

from flask import g

from marac_app.action_items import services
from marac_app.action_items.permissions import (
    rep_may_see_agency_actions,
    sees_own_agency_actions,
)
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.transaction import Read


def my_agency_actions(user: User) -> dict[str, Any] | None:
    """A representative's "My agency's actions" summary (None for anyone else, or while
    their agency is not signed up): counts, the next few open actions as plain rows, and the
    ids of the cases those rows show. Read only; computed once per request."""
    if "_my_agency_actions" in g:
        cached: dict[str, Any] | None = g._my_agency_actions
        return cached
    summary: dict[str, Any] | None = None
    if user.is_authenticated and sees_own_agency_actions(user) and rep_may_see_agency_actions(user):
        found = services.actions_summary(user)
        summary = {
            "open": found.open,
            "overdue": found.overdue,
            "completed": found.completed,
            "next_actions": [
                {
                    "id": a.id,
                    "reference": a.case.reference,
                    "description": a.description,
                    "due_date": a.due_date,
                    "overdue": a.is_overdue(found.on),
                }
                for a in found.next_actions
            ],
            "case_ids": sorted({a.case_id for a in found.next_actions}),
        }
    g._my_agency_actions = summary
    return summary


def home_actions_read(user: User) -> Read | None:
    """The audit event of the home page's "My agency's actions" (None when the page shows
    none). The home view writes it (``audit_read``) before rendering the page."""
    summary = my_agency_actions(user)
    if summary is None:
        return None
    return Read(
        AuditAction.ACTION_LIST_VIEWED,
        object_type="action",
        case_ids=summary["case_ids"],
        detail=f"home rows={len(summary['next_actions'])}",
    )
