"""The demo seed adds one open subject access request, once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from marac_app.extensions import db
from marac_app.privacy.models import RequestStatus, SubjectRequest


def test_demo_request_is_seeded_once(app: Flask) -> None:
    from marac_app.demo import seed_demo

    with app.app_context():
        seed_demo()
        seed_demo()
        requests = list(db.session.scalars(sa.select(SubjectRequest)))
        assert len(requests) == 1
        assert requests[0].status == RequestStatus.OPEN
        assert [link.case_reference.startswith("CAM-") for link in requests[0].cases] == [True]
