"""Each person's email choices (the Notification settings page, audited) and the emails of
every notification kind over SMTP (aiosmtpd): that something is waiting and a sign-in link,
never a case reference, a person's name or narrative text."""

from __future__ import annotations

import sqlalchemy as sa
from markupsafe import escape

from marac_app.audit import AuditEvent
from marac_app.auth.models import User
from marac_app.extensions import db
from marac_app.notifications import services
from marac_app.notifications.models import NotificationEmailChoice, NotificationKind
from tests.distribution.world import DW
from tests.fixtures import SmtpCollector
from tests.notifications.test_notifications import (
    assign_action,
    chase,
    circulate,
    forbidden,
    lapse_flags,
    send_minutes,
    unread,
)

SETTINGS = "/notifications/settings"
EVERY_KIND = [kind.value for kind in NotificationKind]


def choose(auth, user: User, kinds: list[str]):
    auth.sign_in_as(user)
    response = auth.post(SETTINGS, {"kinds": kinds})
    auth.sign_out()
    return response


def test_the_settings_page_shows_a_checkbox_per_kind_with_the_defaults(auth, dw: DW) -> None:
    auth.sign_in_as(dw.rep)
    account = auth.client.get("/account").get_data(as_text=True)
    assert f'href="{SETTINGS}"' in account
    page = auth.client.get(SETTINGS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for kind in NotificationKind:
        assert f'value="{kind.value}"' in html and str(escape(kind.label)) in html
    # Emailed before notifications existed: on; a new action for the agency: opt-in.
    assert 'value="minutes" checked' in html
    assert 'value="action_assigned" checked' not in html


def test_saving_choices_is_kept_per_user_and_audited(app, auth, dw: DW) -> None:
    response = choose(auth, dw.rep, ["action_assigned", "flags_lapsing"])
    assert response.status_code == 302
    with app.app_context():
        rep = db.session.get(User, dw.rep.id)
        other = db.session.get(User, dw.housing_rep.id)
        assert services.email_choices(rep) == {
            NotificationKind.MINUTES: False,
            NotificationKind.RESEARCH_LIST: False,
            NotificationKind.ACTION_ASSIGNED: True,
            NotificationKind.ACTIONS_DUE: False,
            NotificationKind.FLAGS_LAPSING: True,
        }
        assert services.email_choices(other)[NotificationKind.MINUTES] is True
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "notification_settings_changed")
        ).one()
        assert event.actor_id == dw.rep.id and event.object_id == str(dw.rep.id)
        assert event.detail == "email=action_assigned,flags_lapsing"
    auth.sign_in_as(dw.rep)
    html = auth.client.get(SETTINGS).get_data(as_text=True)
    assert 'value="action_assigned" checked' in html and 'value="minutes" checked' not in html
    # Saving again updates the same rows.
    auth.post(SETTINGS, {"kinds": []})
    with app.app_context():
        rows = db.session.scalars(
            sa.select(NotificationEmailChoice).where(NotificationEmailChoice.user_id == dw.rep.id)
        ).all()
        assert len(rows) == len(NotificationKind) and not any(r.email for r in rows)


def test_an_unknown_kind_is_refused_and_nothing_saved(app, auth, dw: DW) -> None:
    auth.sign_in_as(dw.rep)
    response = auth.post(SETTINGS, {"kinds": ["minutes", "<script>x</script>"]})
    assert response.status_code == 400
    assert "Select only notifications from the list" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(sa.select(NotificationEmailChoice)).all()


def test_control_characters_are_refused(app, auth, dw: DW) -> None:
    auth.sign_in_as(dw.rep)
    response = auth.post(SETTINGS, {"kinds": ["minutes\x00"]})
    assert response.status_code == 400
    with app.app_context():
        assert not db.session.scalars(sa.select(NotificationEmailChoice)).all()


def test_opting_out_of_minutes_emails_keeps_the_home_page_notification(
    app, auth, dw: DW, smtp_server: SmtpCollector
) -> None:
    choose(auth, dw.rep, [])
    send_minutes(auth, dw, [dw.rep, dw.housing_rep])
    assert [str(m["To"]) for m in smtp_server.messages] == [dw.housing_rep.email]
    assert unread(app, dw.rep, NotificationKind.MINUTES)


def test_every_notification_email_kind_carries_no_case_data(
    app, auth, dw: DW, smtp_server: SmtpCollector
) -> None:
    for person in (dw.rep, dw.housing_rep):
        choose(auth, person, EVERY_KIND)
    send_minutes(auth, dw, [dw.rep, dw.housing_rep])  # the minutes-ready email (its job)
    circulate(auth, dw)  # the research list email
    assign_action(app, dw)  # the generic notification email
    chase(app)  # the chasing email
    lapse_flags(app)  # the flags-lapsing notice
    with app.app_context():
        for kind in NotificationKind:  # the generic email of every kind
            assert services.send_email(db.session.get(User, dw.rep.id), kind)
    subjects = {str(m["Subject"]) for m in smtp_server.messages}
    assert any(s.startswith("MARAC minutes ready") for s in subjects)
    assert any(s.startswith("MARAC research list") for s in subjects)
    assert any(s.startswith("MARAC actions for") for s in subjects)
    assert "MARAC flags lapsing soon" in subjects
    assert services.EMAIL_SUBJECT in subjects
    generic = [m for m in smtp_server.messages if str(m["Subject"]) == services.EMAIL_SUBJECT]
    # The new housing action by email to the housing rep, plus one of each kind to the rep.
    assert dw.housing_rep.email in {str(m["To"]) for m in generic}
    assert len(generic) >= len(NotificationKind) + 1
    for message in smtp_server.messages:
        assert not list(message.iter_attachments())
        raw = message.as_string()
        for secret in forbidden(dw):
            assert secret not in raw, (secret, message["Subject"])
    for message in generic:
        body = message.get_content()
        assert "Sign in to MARAC Manager to see it:" in body
        assert "does not contain any case details" in body


def test_a_failed_notification_email_keeps_the_notification(app, dw: DW, monkeypatch) -> None:
    from marac_app import mail

    def refuse(message):
        raise OSError("no route")

    monkeypatch.setattr(mail, "send", refuse)
    with app.app_context():
        rep = db.session.get(User, dw.rep.id)
        db.session.add(
            NotificationEmailChoice(
                user_id=rep.id, kind=NotificationKind.ACTION_ASSIGNED, email=True
            )
        )
        note = services.notify(rep, NotificationKind.ACTION_ASSIGNED, "/actions/", "An action")
        assert note is not None and note.id is not None
        db.session.rollback()
