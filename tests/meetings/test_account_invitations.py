"""Issue 15, "everyone at the table can take part": the coordinator invites someone who has no
account. Through the real pages, with the mail sent over SMTP to a loopback server."""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

import sqlalchemy as sa

from marac_app.audit import AuditEvent
from marac_app.auth.models import Role, User
from marac_app.extensions import db
from marac_app.meetings.account_invitations import ACCOUNT_EXISTS, AGENCY_NOT_IN_AREA
from marac_app.meetings.models import AccountInvitation, Invitation

NEW_PASSWORD = "a long passphrase for ida 2026"  # noqa: S105 - a test password
LINK_RE = re.compile(r"https?://[^\s]+/set-password/[A-Za-z0-9_\-]+")


def _invite(auth, meeting, **overrides):
    data = {"name": "Ida Advocate", "email": "ida@idva.example", "job_title": "IDVA"}
    data.update(overrides)
    return auth.post(
        f"/meetings/{meeting.id}/invitations/new-person",
        data,
        form_path=f"/meetings/{meeting.id}/invitations",
    )


def _text(message: EmailMessage) -> str:
    """Every text part of ``message`` (the calendar part too), decoded."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def _users(app, email: str) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User).where(User.email == email)))


def test_invited_person_sets_a_password_and_sees_the_meeting(
    app, world, make_meeting, make_case, make_agenda_item, auth, client, smtp_server
) -> None:
    meeting = make_meeting()
    case = make_case(area=world.area)
    make_agenda_item(meeting, case)
    auth.sign_in_as(world.coordinator)
    page = client.get(f"/meetings/{meeting.id}/invitations").get_data(as_text=True)
    assert "Invite someone without an account" in page
    assert world.signed.name in page and world.unsigned.name in page  # the area's agencies

    response = _invite(auth, meeting, email=" Ida@IDVA.example ", agency=str(world.signed.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "An account has been made for Ida Advocate" in shown

    (user,) = _users(app, "ida@idva.example")
    assert (user.role, user.agency_id, user.area_id) == (
        Role.AGENCY_REP,
        world.signed.id,
        world.area.id,
    )
    assert user.password_hash is None and user.active
    with app.app_context():
        made = db.session.scalar(
            sa.select(AccountInvitation).where(AccountInvitation.user_id == user.id)
        )
        assert made is not None
        assert (made.invited_by_id, made.area_id, made.meeting_id) == (
            world.coordinator.id,
            world.area.id,
            meeting.id,
        )
        invitation = db.session.scalar(
            sa.select(Invitation).where(
                Invitation.meeting_id == meeting.id, Invitation.user_id == user.id
            )
        )
        assert invitation is not None and invitation.revoked_at is None
        actions = set(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.actor_id == world.coordinator.id,
                    AuditEvent.object_id.in_([str(user.id), str(invitation.id)]),
                )
            )
        )
    assert {
        "account_invited",
        "user_created",
        "set_password_link_issued",
        "meeting_invitation_created",
    } <= actions

    # Two emails to the person: the set-password link and the calendar invitation.
    mails = [m for m in smtp_server.messages if str(m["To"]) == "ida@idva.example"]
    assert len(mails) == len(smtp_server.messages) == 2
    subjects = sorted(str(m["Subject"]) for m in mails)
    assert subjects[1] == "Set your MARAC Manager password"
    assert subjects[0].startswith("Invitation: ")
    invite_mail = next(m for m in mails if str(m["Subject"]).startswith("Invitation"))
    assert any(p.get_content_type() == "text/calendar" for p in invite_mail.walk())
    for message in mails:  # no case data in any of them
        text = _text(message)
        assert case.reference not in text
        assert world.coordinator.name not in text and world.signed.name not in text

    # The one-time link works once; the person then signs in and sees the meeting.
    auth.sign_out()
    set_mail = next(m for m in mails if str(m["Subject"]).startswith("Set your"))
    link = LINK_RE.search(_text(set_mail))
    assert link is not None
    path = urlsplit(link.group(0)).path
    assert client.get(path).status_code == 200
    done = auth.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(path).status_code == 404  # used
    auth.sign_in("ida@idva.example", NEW_PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert "Upcoming meetings" in home and f"/meetings/{meeting.id}" in home
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    # Limited to representative of this meeting's area: no managing, no other meeting.
    assert client.get(f"/meetings/{meeting.id}/invitations").status_code == 403
    other = make_meeting()
    assert client.get(f"/meetings/{other.id}").status_code == 404


def test_an_email_with_an_account_is_refused_without_saying_where(
    app, world, make_area, make_agency, make_user, sign_up, make_meeting, auth, client, smtp_server
) -> None:
    elsewhere_area = make_area(name="Faraway MARAC area")
    elsewhere = make_agency(name="Faraway Housing (test)", areas=[elsewhere_area])
    sign_up(elsewhere)
    make_user(Role.AGENCY_REP, agency=elsewhere, area=elsewhere_area, email="kim@faraway.example")
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    for email in ("kim@faraway.example", "KIM@Faraway.example", world.rep.email):
        response = _invite(auth, meeting, email=email, agency=str(world.signed.id))
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400
        assert ACCOUNT_EXISTS in page
        assert "Faraway Housing" not in page and "Faraway MARAC" not in page  # nor where
        assert email in page  # what was typed is shown again
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AccountInvitation.id))) == 0


def test_agency_must_serve_the_area_and_be_signed_up(
    app, world, make_area, make_agency, sign_up, make_meeting, auth, smtp_server
) -> None:
    other_area = make_area()
    outside = make_agency(name="Outside Agency (test)", areas=[other_area])
    sign_up(outside)
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)

    response = _invite(auth, meeting, agency=str(outside.id))
    assert response.status_code == 400
    assert AGENCY_NOT_IN_AREA in html.unescape(response.get_data(as_text=True))

    response = _invite(auth, meeting, agency=str(world.unsigned.id))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "has not signed" in page and "information-sharing protocol" in page

    response = _invite(auth, meeting, agency="999999999")
    assert response.status_code == 400
    assert AGENCY_NOT_IN_AREA in html.unescape(response.get_data(as_text=True))

    assert _users(app, "ida@idva.example") == []
    assert smtp_server.messages == []


def test_bad_input_gets_specific_messages_and_saves_nothing(
    app, world, make_meeting, auth, smtp_server
) -> None:
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    response = _invite(auth, meeting, name="", email="not an email", agency="")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Enter the person's full name" in page
    assert "Enter an email address in the correct format, like name@example.org" in page
    assert "Select the person's agency" in page
    assert 'value="not an email"' in page
    # The list of people with accounts still posts to the invitations page.
    assert f'action="/meetings/{meeting.id}/invitations"' in page

    response = _invite(auth, meeting, name="Ida\x00<b>", agency=str(world.signed.id))
    assert response.status_code == 400
    response = _invite(auth, meeting, name="x" * 121, agency=str(world.signed.id))
    assert response.status_code == 400
    assert "Full name must be 120 characters or fewer" in html.unescape(
        response.get_data(as_text=True)
    )
    assert _users(app, "ida@idva.example") == []
    assert smtp_server.messages == []


def test_a_cancelled_meeting_takes_no_one_new(app, world, make_meeting, auth, smtp_server) -> None:
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    assert (
        auth.post(
            f"/meetings/{meeting.id}/cancel",
            {"reason": "Room not available", "version": str(meeting.version)},
        ).status_code
        == 302
    )
    response = _invite(auth, meeting, agency=str(world.signed.id))
    assert response.status_code == 400
    assert "A cancelled meeting cannot have new invitations" in response.get_data(as_text=True)
    assert _users(app, "ida@idva.example") == []


def test_another_areas_coordinator_and_other_roles_cannot_invite(
    app, world, make_user, make_meeting, auth, client, smtp_server
) -> None:
    meeting = make_meeting()
    auth.sign_in_as(make_user(Role.COORDINATOR))  # another area's coordinator
    token_page = "/meetings/"
    response = _invite_with_token_from(auth, token_page, meeting, world)
    assert response.status_code == 404
    assert client.get(f"/meetings/{meeting.id}/invitations/new-person").status_code == 404
    auth.sign_out()
    for person in (world.chair, world.rep):
        auth.sign_in_as(person)
        assert _invite_with_token_from(auth, token_page, meeting, world).status_code in (403, 404)
        auth.sign_out()
    assert _users(app, "ida@idva.example") == []
    assert smtp_server.messages == []


def _invite_with_token_from(auth, form_path, meeting, world):
    """POST the form with a CSRF token taken from a page the user may open."""
    return auth.post(
        f"/meetings/{meeting.id}/invitations/new-person",
        {"name": "Ida Advocate", "email": "ida@idva.example", "agency": str(world.signed.id)},
        form_path=form_path,
    )


def test_admins_see_invited_accounts_and_can_disable_them(
    app, world, make_user, make_meeting, auth, client, smtp_server
) -> None:
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    assert _invite(auth, meeting, agency=str(world.signed.id)).status_code == 302
    auth.sign_out()
    (user,) = _users(app, "ida@idva.example")
    admin = make_user(Role.ADMIN)
    auth.sign_in_as(admin)

    listed = client.get("/admin/users").get_data(as_text=True)
    assert "Ida Advocate" in listed and "Invited by a coordinator" in listed
    only = client.get("/admin/users?added=invited").get_data(as_text=True)
    assert "Ida Advocate" in only and world.rep.name not in only

    response = auth.post(
        f"/admin/users/{user.id}/active", {"active": "0"}, form_path=f"/admin/users/{user.id}"
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).active is False
    auth.sign_out()
    # The emailed link no longer works for a disabled account.
    set_mail = next(m for m in smtp_server.messages if "Set your" in str(m["Subject"]))
    link = LINK_RE.search(_text(set_mail))
    assert link is not None
    assert client.get(urlsplit(link.group(0)).path).status_code == 404


def test_agency_choices_are_the_areas_agencies_only(
    world, make_area, make_agency, make_meeting, auth, client
) -> None:
    other = make_agency(name="Elsewhere Only Agency (test)", areas=[make_area()])
    meeting = make_meeting()
    auth.sign_in_as(world.coordinator)
    page = client.get(f"/meetings/{meeting.id}/invitations").get_data(as_text=True)
    assert other.name not in page
