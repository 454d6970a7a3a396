"""The home page of a representative whose agency has not signed the information-sharing
protocol says so and what to do, instead of an empty page (issue 15)."""

from __future__ import annotations

from marac_app.auth.models import Role
from tests.distribution.world import DW

NOT_SIGNED = "has not signed up to the information-sharing protocol"


def test_a_rep_of_an_agency_not_signed_up_is_told_what_to_do(auth, dw: DW) -> None:
    auth.sign_in_as(dw.health_rep)
    html = auth.client.get("/").get_data(as_text=True)
    assert 'id="agency-not-signed-up"' in html and NOT_SIGNED in html
    assert "Ask your MARAC coordinator" in html
    assert "cannot see cases, case lists, research lists, minutes or actions" in html
    assert dw.case.reference not in html


def test_a_rep_of_a_signed_up_agency_is_not_warned(auth, dw: DW) -> None:
    auth.sign_in_as(dw.rep)
    html = auth.client.get("/").get_data(as_text=True)
    assert 'id="agency-not-signed-up"' not in html


def test_a_withdrawn_agency_is_told_at_the_next_request(app, auth, dw: DW) -> None:
    import sqlalchemy as sa

    from marac_app.common.time import london_today
    from marac_app.extensions import db
    from marac_app.protocol.models import ProtocolSignature

    auth.sign_in_as(dw.housing_rep)
    assert NOT_SIGNED not in auth.client.get("/").get_data(as_text=True)
    with app.app_context():
        for signature in db.session.scalars(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == dw.housing.id)
        ):
            signature.withdrawn_on = london_today()
        db.session.commit()
    html = auth.client.get("/").get_data(as_text=True)
    assert NOT_SIGNED in html and "withdrawn" in html


def test_other_roles_see_no_such_warning(auth, dw: DW, make_user) -> None:
    auth.sign_in_as(dw.coordinator)
    assert 'id="agency-not-signed-up"' not in auth.client.get("/").get_data(as_text=True)
    assert Role.COORDINATOR  # the panel is on the representative's home page only
