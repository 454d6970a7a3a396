"""SECURITY.md: withdrawal of an agency's ISP signature takes effect on the very next request
— its representatives lose the meetings and cases they could see a moment before."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marac_app.extensions import db
from marac_app.protocol.models import ProtocolSignature
from marac_app.referrals import services
from marac_app.referrals.models import Referral


def test_withdrawal_ends_a_representatives_access_at_once(
    app, ref_world, make_referral, make_meeting, auth, client
) -> None:
    referral = make_referral(ref_world, victim="Test Victim-Withdrawn")
    meeting = make_meeting(ref_world.area, invite=[ref_world.rep])
    with app.app_context():
        services.allocate_to_meeting(
            db.session.get(Referral, referral.id), db.session.get(type(meeting), meeting.id), None
        )
        db.session.commit()
    auth.sign_in_as(ref_world.rep)
    assert client.get(f"/cases/{referral.case_id}").status_code == 200
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    with app.app_context():
        signature = db.session.scalar(
            sa.select(ProtocolSignature).where(ProtocolSignature.agency_id == ref_world.agency.id)
        )
        signature.withdrawn_on = date.today() - timedelta(days=1)
        signature.withdrawal_reason = "Left the partnership"
        db.session.commit()
    # The same live session, the very next request: no case, no meeting, nothing in lists.
    assert client.get(f"/cases/{referral.case_id}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert "Test Victim-Withdrawn" not in client.get("/cases/?q=withdrawn").get_data(as_text=True)
    assert client.get(f"/cases/meetings/{meeting.id}/research-list").status_code == 404
