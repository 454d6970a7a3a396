"""A transferred case is visible to the receiving area only after acceptance, and the
sending area keeps its history (issue 14). Over HTTP through the real app."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem, ActionStatus
from marac_app.audit import AuditEvent, AuditEventCase
from marac_app.extensions import db
from marac_app.privacy import retention
from marac_app.referrals.models import AgendaItem, Case
from marac_app.transfers.models import CaseTransfer, TransferStatus
from tests.conftest import Auth
from tests.transfers.conftest import (
    DONE_ACTION,
    FACT,
    HARM,
    OPEN_ACTION,
    OPINION,
    OTHER_ACTION,
    OTHER_FACT,
    OTHER_VICTIM,
    TW,
    VICTIM,
)

REASON = "The victim has moved to the receiving area"


def start(auth: Auth, tw: TW, to_area_id: int | None = None, reason: str = REASON):
    path = f"/transfers/cases/{tw.case.id}/transfer"
    return auth.post(path, {"to_area": str(to_area_id or tw.b.id), "reason": reason})


def the_transfer(app: Flask, tw: TW) -> CaseTransfer:
    with app.app_context():
        transfer = db.session.scalars(
            sa.select(CaseTransfer).where(CaseTransfer.source_case_id == tw.case.id)
        ).one()
        db.session.expunge(transfer)
        return transfer


def case_routes(tw: TW, case_id: int) -> list[str]:
    return [
        f"/cases/{case_id}",
        f"/minutes/meetings/{tw.meeting_a.id}/cases/{case_id}",
        f"/actions/cases/{case_id}/new",
        f"/transfers/cases/{case_id}/transfer",
        f"/transfers/cases/{case_id}/pack",
        f"/transfers/cases/{case_id}/history",
    ]


def assert_nothing_of_the_case(
    auth: Auth, tw: TW, source_id: int, *, own_copy: bool = False
) -> None:
    """Every route of the sending area's case refuses, and neither it nor (until the area
    has a case of its own, ``own_copy``) its victim is in a list or a search."""
    for path in case_routes(tw, source_id):
        assert auth.client.get(path).status_code in (403, 404), path
    text = auth.client.get("/cases/").get_data(as_text=True)
    assert tw.case.reference not in text
    if not own_copy:
        assert VICTIM not in text
        for search in ("Transferwood", tw.case.reference):
            found = auth.client.get(f"/cases/?q={search}").get_data(as_text=True)
            assert "No cases match." in found and VICTIM not in found, search


def test_visible_to_the_receiving_area_only_after_acceptance(
    app: Flask, auth: Auth, tw: TW
) -> None:
    auth.sign_in_as(tw.coord_a)
    sent = start(auth, tw)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    page = auth.client.get(f"/cases/{tw.case.id}").get_data(as_text=True)
    assert f"Transfer to {tw.b.name} waiting since" in page
    transfer = the_transfer(app, tw)
    assert transfer.status == TransferStatus.PENDING
    auth.sign_out()

    # Before acceptance: the receiving coordinator sees only the transfer page.
    auth.sign_in_as(tw.coord_b)
    assert_nothing_of_the_case(auth, tw, tw.case.id)
    waiting = auth.client.get("/transfers/").get_data(as_text=True)
    assert f"/transfers/{transfer.id}" in waiting and VICTIM not in waiting
    home = auth.client.get("/").get_data(as_text=True)
    assert "Transfers waiting for you" in home
    shown = auth.client.get(f"/transfers/{transfer.id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    for expected in (VICTIM, FACT, OPINION, HARM, OPEN_ACTION, REASON):
        assert expected in text, expected
    for absent in (DONE_ACTION, OTHER_FACT, OTHER_ACTION, OTHER_VICTIM):
        assert absent not in text, absent

    accepted = auth.post(f"/transfers/{transfer.id}", {"decision": "accept"})
    assert accepted.status_code == 302
    new_id = int(re.search(r"/cases/(\d+)$", accepted.headers["Location"]).group(1))
    assert new_id != tw.case.id
    new_page = auth.client.get(f"/cases/{new_id}").get_data(as_text=True)
    assert f"Transferred from {tw.a.name} on" in new_page
    assert VICTIM in new_page
    listing = auth.client.get("/cases/").get_data(as_text=True)
    assert f"Transferred from {tw.a.name} on" in listing
    history = auth.client.get(f"/transfers/cases/{new_id}/history")
    assert history.status_code == 200
    assert FACT in history.get_data(as_text=True)
    # The sending area's own case is still not theirs; the decided transfer page is gone.
    assert_nothing_of_the_case(auth, tw, tw.case.id, own_copy=True)
    assert auth.client.get(f"/transfers/{transfer.id}").status_code == 404
    auth.sign_out()

    # The receiving chair reads the history too; another area's coordinator cannot.
    auth.sign_in_as(tw.chair_b)
    assert auth.client.get(f"/transfers/cases/{new_id}/history").status_code == 200
    auth.sign_out()
    auth.sign_in_as(tw.coord_c)
    assert auth.client.get(f"/transfers/cases/{new_id}/history").status_code == 404
    assert auth.client.get(f"/cases/{new_id}").status_code == 404
    auth.sign_out()

    # The sending area keeps its case, its history and its open action, marked.
    auth.sign_in_as(tw.chair_a)
    kept = auth.client.get(f"/cases/{tw.case.id}").get_data(as_text=True)
    assert f"Transferred to {tw.b.name} on" in kept
    assert auth.client.get(f"/cases/{new_id}").status_code == 404
    with app.app_context():
        received = db.session.get(Case, new_id)
        assert received is not None and received.area_id == tw.b.id
        assert received.last_referral is not None
        assert received.last_referral.victim.full_name == VICTIM
        assert received.last_referral.previous_marac_where == tw.a.name
        action = db.session.scalars(
            sa.select(ActionItem).where(ActionItem.description == OPEN_ACTION)
        ).one()
        assert action.case_id == tw.case.id and action.status == ActionStatus.OPEN
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "transfer_accepted")
        ).one()
        cases = set(
            db.session.scalars(
                sa.select(AuditEventCase.case_id).where(AuditEventCase.event_id == event.id)
            )
        )
        assert cases == {tw.case.id, new_id}
        assert db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "transfer_requested")
        )


def test_declined_leaves_nothing_visible(app: Flask, auth: Auth, tw: TW) -> None:
    auth.sign_in_as(tw.coord_a)
    assert start(auth, tw).status_code == 302
    transfer = the_transfer(app, tw)
    auth.sign_out()
    auth.sign_in_as(tw.coord_b)
    refused = auth.post(f"/transfers/{transfer.id}", {"decision": "decline"})
    assert refused.status_code == 400
    assert "Enter the reason for declining the transfer" in refused.get_data(as_text=True)
    declined = auth.post(
        f"/transfers/{transfer.id}", {"decision": "decline", "decline_reason": "Not our area"}
    )
    assert declined.status_code == 302
    assert auth.client.get(f"/transfers/{transfer.id}").status_code == 404
    assert_nothing_of_the_case(auth, tw, tw.case.id)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Case).where(Case.area_id == tw.b.id)
            )
            == 0
        )
    auth.sign_out()
    auth.sign_in_as(tw.coord_a)
    page = auth.client.get(f"/cases/{tw.case.id}").get_data(as_text=True)
    assert f"Transfer to {tw.b.name} declined on" in page and "Not our area" in page
    # Declined: the case may be sent again.
    assert "Transfer this case to another MARAC" in page


def test_only_coordinators_of_the_right_areas_may_act(app: Flask, auth: Auth, tw: TW) -> None:
    path = f"/transfers/cases/{tw.case.id}/transfer"
    for user, status in (
        (tw.chair_a, 403),
        (tw.rep_a, 403),
        (tw.coord_b, 404),
        (tw.coord_c, 404),
    ):
        auth.sign_in_as(user)
        assert auth.client.get(path).status_code == status, user.role
        assert auth.client.get(f"/transfers/cases/{tw.case.id}/pack").status_code == status
        auth.sign_out()
    auth.sign_in_as(tw.coord_a)
    assert start(auth, tw).status_code == 302
    transfer = the_transfer(app, tw)
    # The sender does not answer its own transfer.
    assert auth.client.get(f"/transfers/{transfer.id}").status_code == 404
    again = start(auth, tw)
    assert again.status_code == 400
    auth.sign_out()
    for user, status in (
        (tw.chair_b, 403),
        (tw.rep_b, 403),  # the police serve both areas
        (tw.rep_a, 403),
        (tw.coord_c, 404),
    ):
        auth.sign_in_as(user)
        assert auth.client.get(f"/transfers/{transfer.id}").status_code == status
        if status == 404:
            accepted = auth.post(
                f"/transfers/{transfer.id}", {"decision": "accept"}, form_path="/transfers/"
            )
            assert accepted.status_code == 404
        if user is not tw.rep_a:  # invited to the sending area's meeting: sees the case
            assert_nothing_of_the_case(auth, tw, tw.case.id)
        auth.sign_out()
    assert the_transfer(app, tw).status == TransferStatus.PENDING


def test_bad_transfer_input_is_refused_with_the_text_kept(auth: Auth, tw: TW) -> None:
    auth.sign_in_as(tw.coord_a)
    path = f"/transfers/cases/{tw.case.id}/transfer"
    own = auth.post(path, {"to_area": str(tw.a.id), "reason": "Kept reason text"})
    assert own.status_code == 400
    body = own.get_data(as_text=True)
    assert "Select the MARAC area to transfer the case to" in body and "Kept reason text" in body
    empty = auth.post(path, {"to_area": str(tw.b.id), "reason": ""})
    assert empty.status_code == 400
    assert "Enter the reason for the transfer" in empty.get_data(as_text=True)
    huge = auth.post(path, {"to_area": "99999999999999999999", "reason": "x"})
    assert huge.status_code == 400
    long = auth.post(path, {"to_area": str(tw.b.id), "reason": "y" * 2001})
    assert long.status_code == 400
    assert "2000 characters or fewer" in long.get_data(as_text=True)


def test_retention_deletes_the_transfer_with_its_case(app: Flask, auth: Auth, tw: TW) -> None:
    auth.sign_in_as(tw.coord_a)
    assert start(auth, tw).status_code == 302
    auth.sign_out()
    with app.app_context():
        result = retention.purge_case(tw.case.id)
        assert result.deleted.get("case_transfer") == 1
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseTransfer)) == 0


def test_the_received_case_is_ready_for_a_meeting_and_shows_where_it_came_from(
    app: Flask, auth: Auth, tw: TW
) -> None:
    auth.sign_in_as(tw.coord_a)
    assert start(auth, tw).status_code == 302
    transfer = the_transfer(app, tw)
    auth.sign_out()
    auth.sign_in_as(tw.coord_b)
    accepted = auth.post(f"/transfers/{transfer.id}", {"decision": "accept"})
    new_id = int(accepted.headers["Location"].rsplit("/", 1)[1])
    case_list = f"/cases/meetings/{tw.meeting_b.id}/case-list"
    waiting = auth.client.get(case_list).get_data(as_text=True)
    assert f"Transferred from {tw.a.name} on" in waiting  # awaiting allocation
    with app.app_context():
        referral_id = db.session.get(Case, new_id).last_referral.id
    added = auth.post(
        f"{case_list}/allocate", {"referral_id": str(referral_id)}, form_path=case_list
    )
    assert added.status_code == 302
    listed = auth.client.get(case_list).get_data(as_text=True)
    assert listed.count(f"Transferred from {tw.a.name} on") == 1
    with app.app_context():
        item = db.session.scalars(
            sa.select(AgendaItem).where(AgendaItem.meeting_id == tw.meeting_b.id)
        ).one()
        assert item.case_id == new_id
