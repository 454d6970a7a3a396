"""Changing a victim's address or safe contact details: a reason is needed (the form says
so and keeps the text), the change is audited with field names only, and the agencies
holding an earlier copy or an open action needing the address are told at their next
sign-in that it changed — not what it is — until they dismiss the notice (audited)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from marac_app.action_items.models import ActionItem
from marac_app.audit import AuditEvent
from marac_app.db import utcnow
from marac_app.distribution.models import DocumentCopy, MasterKind, RenderedMaster
from marac_app.extensions import db
from marac_app.referrals.address_changes import AddressChange
from marac_app.referrals.models import Case
from tests.conftest import CSRF_RE, Auth
from tests.safeguards.conftest import ADDRESS_X
from tests.security.conftest import SecurityWorld, post_forms

NEW_ADDRESS = "NEWADDRMARK 3 Refuge Road"
REASON = "Victim moved to a refuge"


def _edit_path(sw: SecurityWorld) -> str:
    return f"/cases/referrals/{sw.x.referral_id}/edit"


def _checked(html: str, name: str) -> bool:
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and "checked" in tag:
            return True
    return False


def _form(client, sw: SecurityWorld) -> dict[str, str]:
    html = client.get(_edit_path(sw)).get_data(as_text=True)
    spec = next(s for s in post_forms(_edit_path(sw), html) if "victim_address" in s.fields)
    data = spec.baseline()
    # The form as saved: blank fields stay blank (``baseline`` fills them in).
    for name, values in spec.fields.items():
        if spec.kinds.get(name) in ("text", "textarea", "email", "tel") and not values[0]:
            data[name] = ""
        if spec.kinds.get(name) == "radio" and not _checked(html, name):
            data.pop(name, None)  # no answer saved: none ticked
    with app_of(client).app_context():
        victim = db.session.get(Case, sw.x.case_id).victim  # type: ignore[union-attr]
        for name in ("safe_to_call", "safe_to_text", "safe_to_email"):
            value = getattr(victim, name)
            data[name] = "" if value is None else ("yes" if value else "no")
    data["csrf_token"] = CSRF_RE.search(html).group(1)  # type: ignore[union-attr]
    return data


def app_of(client) -> Flask:
    return client.application


def _needs_address(app: Flask, action_id: int, value: bool) -> None:
    with app.app_context():
        db.session.get(ActionItem, action_id).needs_address = value  # type: ignore[union-attr]
        db.session.commit()


def _change(app: Flask, aw: SecurityWorld, reason: str = REASON):
    client = app.test_client()
    Auth(client).sign_in_as(aw.x.coordinator)
    data = _form(client, aw)
    assert data["victim_address"] == ADDRESS_X
    data["victim_address"] = NEW_ADDRESS
    data["address_change_reason"] = reason
    return client, data, client.post(_edit_path(aw), data=data)


def test_a_change_needs_a_reason_and_keeps_the_text(app: Flask, aw: SecurityWorld) -> None:
    client, data, answer = _change(app, aw, reason="")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400, body[:2000]
    assert "Enter why the victim&#39;s address or safe contact details are changing" in body
    assert NEW_ADDRESS in body  # the text typed is shown again
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AddressChange)) == 0
    data["address_change_reason"] = REASON
    saved = client.post(_edit_path(aw), data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        change = db.session.scalars(sa.select(AddressChange)).one()
        assert change.field_names == ["address"] and change.reason == REASON
        detail = db.session.scalar(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "victim_address_changed")
        )
    assert detail is not None and "fields=address" in detail
    assert "NEWADDRMARK" not in detail and "ADDRMARKX" not in detail and REASON not in detail


def test_an_edit_not_touching_the_address_needs_no_reason(app: Flask, aw: SecurityWorld) -> None:
    client = app.test_client()
    Auth(client).sign_in_as(aw.x.coordinator)
    data = _form(client, aw)
    data["referrer_role"] = "Sergeant"
    assert client.post(_edit_path(aw), data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AddressChange)) == 0


def _home(probe, user) -> str:
    return probe(user).request("GET", "/").body


NOTICE = re.compile(r"The address for case (\S+) has changed: ask the coordinator if you need it")


def test_the_agencies_that_need_to_know_are_told_and_nobody_else(
    app: Flask, aw: SecurityWorld, probe
) -> None:
    # Y's action on the case does not need the address; Y holds no copy: Y is not told.
    _needs_address(app, aw.y.action_id, False)
    _change(app, aw)
    told = _home(probe, aw.x.rep)
    assert NOTICE.findall(told) == [aw.x.case_reference]
    assert NEW_ADDRESS not in told and ADDRESS_X not in told
    for user in (aw.y.rep, aw.s.rep, aw.b.rep, aw.x.chair, aw.b.coordinator):
        assert not NOTICE.search(_home(probe, user)), user.role


def test_an_earlier_copy_of_the_minutes_is_told_too(app: Flask, aw: SecurityWorld, probe) -> None:
    _needs_address(app, aw.y.action_id, False)
    with app.app_context():
        master = RenderedMaster(
            key="test-master",
            kind=MasterKind.MINUTES,
            meeting_id=aw.x.meeting.id,
            minutes_version=1,
            sha256=hashlib.sha256(b"x").hexdigest(),
            pdf=b"%PDF",
        )
        db.session.add(master)
        db.session.flush()
        db.session.add(
            DocumentCopy(
                master_id=master.id,
                meeting_id=aw.x.meeting.id,
                kind=MasterKind.MINUTES,
                minutes_version=1,
                recipient_user_id=aw.y.rep.id,
                recipient_name=aw.y.rep.name,
                recipient_agency="Y",
                recipient_agency_id=aw.y.agency.id,
                issued_at=utcnow() - timedelta(days=1),
                copy_sha256=hashlib.sha256(b"y").hexdigest(),
            )
        )
        db.session.commit()
    _change(app, aw)
    assert NOTICE.findall(_home(probe, aw.y.rep)) == [aw.x.case_reference]


def test_a_notice_is_dismissed_once_read(app: Flask, aw: SecurityWorld) -> None:
    _change(app, aw)
    with app.app_context():
        change_id = db.session.scalar(sa.select(AddressChange.id))
    client = app.test_client()
    Auth(client).sign_in_as(aw.x.rep)
    home = client.get("/").get_data(as_text=True)
    assert NOTICE.search(home)
    token = CSRF_RE.search(home).group(1)  # type: ignore[union-attr]
    for bad in ("", "abc", "0", "99999999999999999999", "\x00"):
        answer = client.post(
            "/safeguards/address-notices/dismiss", data={"csrf_token": token, "change_id": bad}
        )
        assert 400 <= answer.status_code < 500, (bad, answer.status_code)
    other = app.test_client()
    Auth(other).sign_in_as(aw.y.rep)  # Y is told as well (its action needs the address)
    ok = client.post(
        "/safeguards/address-notices/dismiss", data={"csrf_token": token, "change_id": change_id}
    )
    assert ok.status_code == 302
    assert not NOTICE.search(client.get("/").get_data(as_text=True))
    assert NOTICE.search(other.get("/").get_data(as_text=True))  # dismissed per person
    again = client.post(
        "/safeguards/address-notices/dismiss", data={"csrf_token": token, "change_id": change_id}
    )
    assert again.status_code == 404
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent.object_id).where(
                AuditEvent.action == "address_change_notice_dismissed"
            )
        ).all()
    assert events == [str(aw.x.case_id)]
