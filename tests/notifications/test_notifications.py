"""In-app notifications on the home page (issue 15): raised where the thing happens (minutes
sent, research list circulated, action assigned, actions chased, flags lapsing), generic
text only, marked read when followed or all at once, and 404 for another person's."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.action_items import chasing
from marac_app.action_items.services import create_action
from marac_app.agencies.models import Agency
from marac_app.audit import AuditEvent
from marac_app.auth.models import User
from marac_app.common.time import london_today
from marac_app.extensions import db
from marac_app.notifications import services
from marac_app.notifications.models import Notification, NotificationKind
from marac_app.referrals.models import Case
from marac_app.safeguards.cli import send_lapsing_notices
from tests.conftest import Auth, csrf_token
from tests.distribution.world import DW, FACT, HOUSING_ACTION, OPINION, POLICE_ACTION, VICTIM

NEW_ACTION = "NEWACTION visit Vera at the refuge"


def notifications_panel(html: str) -> str:
    """The home page's notifications section only (the rest of a rep's home page may show
    what they are allowed to see)."""
    match = re.search(
        r'<div class="govuk-!-margin-bottom-6" id="notifications">(.*?)</div>', html, re.S
    )
    assert match, "no notifications panel"
    return match.group(1)


def unread(app: Flask, user: User, kind: NotificationKind | None = None) -> list[Notification]:
    with app.app_context():
        query = sa.select(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list(db.session.scalars(query.order_by(Notification.id)))


def forbidden(dw: DW) -> tuple[str, ...]:
    """What no notification text or email may carry: references, names, narrative."""
    return (
        dw.case.reference,
        dw.case2.reference,
        VICTIM,
        "Wendy Victim",
        "Peter Perp",
        "Rita Referrer",
        FACT,
        OPINION,
        POLICE_ACTION,
        HOUSING_ACTION,
        NEW_ACTION,
        "Priya",
        "Hana",
        "Charlie Chair",
        "Cora Coord",
        "Paul Police",
    )


def send_minutes(auth: Auth, dw: DW, people: list[User]) -> None:
    auth.sign_in_as(dw.coordinator)
    response = auth.post(f"{dw.base}/recipients", {"people": [str(p.id) for p in people]})
    assert response.status_code == 302
    auth.sign_out()


def circulate(auth: Auth, dw: DW) -> None:
    auth.sign_in_as(dw.coordinator)
    page = f"/research/meetings/{dw.meeting.id}"
    response = auth.post(f"{page}/circulate", {}, form_path=page)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    auth.sign_out()


def assign_action(app: Flask, dw: DW) -> None:
    with app.app_context():
        create_action(
            db.session.get(Case, dw.case2.id),
            owner_agency=db.session.get(Agency, dw.housing.id),
            description=NEW_ACTION,
            due_date=london_today() + timedelta(days=3),
            priority="high",
            actor=db.session.get(User, dw.chair.id),
        )
        db.session.commit()


def chase(app: Flask) -> None:
    with app.app_context():
        chasing.run_chase_job(today=london_today())
        db.session.commit()


def lapse_flags(app: Flask) -> None:
    with app.app_context():
        # The world's referrals are of 5 January 2026: their flags lapse in January 2027.
        days = (date(2027, 1, 31) - london_today()).days
        send_lapsing_notices(max(days, 1))
        db.session.commit()


def test_minutes_sent_show_on_the_home_page_with_a_count(app, auth, dw: DW) -> None:
    send_minutes(auth, dw, [dw.rep])
    notes = unread(app, dw.rep, NotificationKind.MINUTES)
    assert len(notes) == 1
    assert notes[0].link == f"{dw.base}/minutes.pdf"
    assert notes[0].text.startswith(f"New minutes are ready for you: the {dw.area.name} MARAC")
    auth.sign_in_as(dw.rep)
    panel = notifications_panel(auth.client.get("/").get_data(as_text=True))
    assert f"Notifications ({len(unread(app, dw.rep))})" in panel
    assert "New minutes are ready for you" in panel
    for secret in forbidden(dw):
        assert secret not in panel


def test_each_kind_is_raised_where_it_happens_and_says_nothing_of_the_case(
    app, auth, dw: DW
) -> None:
    send_minutes(auth, dw, [dw.rep, dw.housing_rep])
    circulate(auth, dw)
    assign_action(app, dw)
    chase(app)
    lapse_flags(app)
    kinds = {n.kind for n in unread(app, dw.housing_rep)} | {n.kind for n in unread(app, dw.rep)}
    assert kinds == set(NotificationKind)
    with app.app_context():
        texts = list(db.session.scalars(sa.select(Notification.text)))
    for text in texts:
        for secret in forbidden(dw):
            assert secret not in text, (secret, text)
    assigned = unread(app, dw.housing_rep, NotificationKind.ACTION_ASSIGNED)
    assert assigned and assigned[-1].text.startswith("An action has been assigned to your agency")
    # Another agency's rep is not told about housing's new action.
    police = [n.link for n in unread(app, dw.rep, NotificationKind.ACTION_ASSIGNED)]
    assert assigned[-1].link not in police


def test_following_a_notification_marks_it_read_and_goes_to_its_page(app, auth, dw: DW) -> None:
    send_minutes(auth, dw, [dw.rep])
    note = unread(app, dw.rep, NotificationKind.MINUTES)[0]
    before = len(unread(app, dw.rep))
    auth.sign_in_as(dw.rep)
    response = auth.post("/notifications/open", {"notification_id": str(note.id)}, form_path="/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{dw.base}/minutes.pdf")
    assert len(unread(app, dw.rep)) == before - 1
    home = auth.client.get("/").get_data(as_text=True)
    assert f"Notifications ({before - 1})" in home


def test_another_persons_notification_is_404_and_stays_unread(app, auth, dw: DW) -> None:
    send_minutes(auth, dw, [dw.rep])
    note = unread(app, dw.rep, NotificationKind.MINUTES)[0]
    auth.sign_in_as(dw.housing_rep)
    response = auth.post("/notifications/open", {"notification_id": str(note.id)}, form_path="/")
    assert response.status_code == 404
    assert note.id in {n.id for n in unread(app, dw.rep)}
    with app.app_context():
        denied = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "access_denied")
        ).all()
        assert any(e.detail == f"notification:{note.id}" for e in denied)


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999999", "0"])
def test_a_bad_notification_id_changes_nothing(app, auth, dw: DW, value: str) -> None:
    send_minutes(auth, dw, [dw.rep])
    before = len(unread(app, dw.rep))
    auth.sign_in_as(dw.rep)
    response = auth.post("/notifications/open", {"notification_id": value}, form_path="/")
    assert response.status_code in (302, 404)
    assert len(unread(app, dw.rep)) == before


def test_mark_all_as_read(app, auth, dw: DW) -> None:
    send_minutes(auth, dw, [dw.rep])
    assert unread(app, dw.rep)
    auth.sign_in_as(dw.rep)
    home = auth.client.get("/").get_data(as_text=True)
    assert "Mark all as read" in home
    response = auth.post("/notifications/read-all", {}, form_path="/")
    assert response.status_code == 302
    assert unread(app, dw.rep) == []
    home = auth.client.get("/").get_data(as_text=True)
    assert "Notifications (0)" in home and "Nothing new is waiting for you" in home


def test_mark_all_read_needs_the_csrf_token(app, auth, dw: DW) -> None:
    send_minutes(auth, dw, [dw.rep])
    auth.sign_in_as(dw.rep)
    response = auth.client.post("/notifications/read-all", data={})
    assert response.status_code in (302, 400)
    assert unread(app, dw.rep)


def test_signed_out_is_sent_to_sign_in(client) -> None:
    assert "/sign-in" in client.get("/notifications/settings").headers["Location"]
    token = csrf_token(client)
    response = client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_notify_keeps_to_local_links_and_short_generic_text(app, dw: DW) -> None:
    with app.app_context():
        user = db.session.get(User, dw.rep.id)
        for link in ("https://evil.example/", "//evil.example", "javascript:alert(1)", "/\\x"):
            with pytest.raises(ValueError):
                services.notify(user, NotificationKind.MINUTES, link, "New minutes")
        with pytest.raises(ValueError):
            services.notify(user, NotificationKind.MINUTES, "/", "x" * 201)
        db.session.rollback()


def test_a_deactivated_person_is_not_notified(app, dw: DW) -> None:
    with app.app_context():
        user = db.session.get(User, dw.police_rep2.id)
        user.active = False
        assert services.notify(user, NotificationKind.MINUTES, "/", "New minutes") is None
        db.session.rollback()
