"""Worlds for the safe-address tests: the security matrix world (four tenants: own agency,
other agency, other area, the same agency in the other area) with unique address markers,
and the distribution world (a real approved meeting) for the PDFs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.extensions import db
from marac_app.referrals.models import Case
from tests.distribution.world import dw  # noqa: F401 - a real approved meeting (fixture)
from tests.security.conftest import Prober, SecurityWorld, sw  # noqa: F401 - fixture

ADDRESS_X = "ADDRMARKX 12 Hidden Lane"
ADDRESS_B = "ADDRMARKB 9 Quiet Close"
PHONE_X = "07700 900999"


def set_victim_contact(app: Flask, case_id: int, address: str, phone: str | None = None) -> None:
    with app.app_context():
        victim = db.session.get(Case, case_id).victim  # type: ignore[union-attr]
        assert victim is not None
        victim.address = address
        if phone is not None:
            victim.safe_phone = phone
        db.session.commit()


@pytest.fixture()
def aw(app: Flask, sw: SecurityWorld) -> SecurityWorld:  # noqa: F811
    """The security world with a unique address for each area's victim."""
    set_victim_contact(app, sw.x.case_id, ADDRESS_X, PHONE_X)
    set_victim_contact(app, sw.b.case_id, ADDRESS_B)
    return sw


@pytest.fixture()
def probe(app: Flask, db_transaction: sa.Connection) -> Iterator:
    """``probe(user)``: a signed-in prober (each request in a rolled-back savepoint)."""

    def factory(user) -> Prober:
        prober = Prober(app, app.test_client(), db_transaction)
        prober.sign_in(user)
        return prober

    yield factory
