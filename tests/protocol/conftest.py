"""Factories for protocol versions and signatures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask

from marac_app.agencies.models import Agency
from marac_app.extensions import db
from marac_app.protocol.models import ProtocolSignature, ProtocolVersion

_labels = {"n": 0}


@pytest.fixture()
def make_version(app: Flask) -> Callable[..., ProtocolVersion]:
    def factory(
        label: str | None = None,
        effective_date: date = date(2026, 1, 1),
        grace_days: int = 30,
        title: str = "Fenshire ISP",
    ) -> ProtocolVersion:
        _labels["n"] += 1
        with app.app_context():
            version = ProtocolVersion(
                title=title,
                version_label=label or f"t{_labels['n']}",
                effective_date=effective_date,
                grace_days=grace_days,
                text="Agencies agree to share information.",
            )
            db.session.add(version)
            db.session.commit()
            db.session.refresh(version)
            return version

    return factory


@pytest.fixture()
def make_signature(app: Flask) -> Callable[..., ProtocolSignature]:
    def factory(
        agency: Agency,
        version: ProtocolVersion,
        *,
        signed_on: date = date(2026, 1, 10),
        review_due_on: date | None = date(2027, 1, 10),
        withdrawn_on: date | None = None,
        name: str = "Sam Signatory",
        job_title: str = "Head of Safeguarding",
    ) -> ProtocolSignature:
        with app.app_context():
            signature = ProtocolSignature(
                agency_id=agency.id,
                protocol_version_id=version.id,
                signatory_name=name,
                signatory_job_title=job_title,
                signed_on=signed_on,
                review_due_on=review_due_on,
                withdrawn_on=withdrawn_on,
                withdrawal_reason="Left the partnership" if withdrawn_on else None,
            )
            db.session.add(signature)
            db.session.commit()
            db.session.refresh(signature)
            return signature

    return factory
