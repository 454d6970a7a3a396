"""A demo data-subject request for development and the browser tests (fictional)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marac_app.auth.models import Role, User
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.privacy import services, subjects
from marac_app.privacy.models import SubjectRequest, SubjectRight, SubjectRole


def seed_privacy_demo() -> int:
    """One open subject access request for a demo victim, received 20 days ago, with her case
    attached in her role. Does nothing when a request exists already or there is no demo
    DPO."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(SubjectRequest)):
        return 0
    dpo = db.session.scalar(sa.select(User).where(User.role == Role.DPO).order_by(User.id))
    if dpo is None:
        return 0
    request = services.log_request(
        services.NewRequest(
            person_name="Demo Victim-Three",
            date_of_birth=None,
            right=SubjectRight.ACCESS,
            received_on=utcnow().date() - timedelta(days=20),
            details="Asked for a copy of what MARAC holds about her (demo).",
        ),
        actor=dpo,
    )
    # As the DPO would: attach the record where she is the victim (never another role).
    victim = [
        m.value for m in subjects.find_matches(request.person_name) if m.role == SubjectRole.VICTIM
    ]
    if victim:
        subjects.attach_all(request, victim[:1], actor=dpo)
    return 1
