"""Erasure through the real pages: the consequences shown first, the refusals (a listed open
case without a reason, a requester who is not the victim, a legal hold, no confirmation), the
tombstone every erased case leaves, the reference never given again, "who has viewed" after
erasure, and the coordinator told by email (a loopback SMTP server) and on their home page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.agencies.models import MaracArea
from marac_app.audit import AuditEvent
from marac_app.common.time import london_today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.privacy import retention, services
from marac_app.privacy.models import (
    RequestStatus,
    SubjectRequest,
    SubjectRequestCase,
    SubjectRight,
    SubjectRole,
)
from marac_app.referrals.models import AgendaItem, Case, ErasedCase, ErasureBasis
from tests.fixtures import SmtpCollector
from tests.privacy.conftest import CHILD, PERPETRATOR, case_exists, orphans
from tests.referrals.test_views import form_data

VICTIM = "Valerie Victimson"


def erasure_request(
    app: Flask, world, case_id: int, *, role: SubjectRole = SubjectRole.VICTIM
) -> int:
    """An erasure request with ``case_id`` attached, the requester being ``role`` in it."""
    with app.app_context():
        saved = services.log_request(
            services.NewRequest(
                person_name=VICTIM,
                date_of_birth=date(1990, 3, 27),
                right=SubjectRight.ERASURE,
                received_on=date(2026, 1, 5),
                details=None,
            ),
            actor=world.dpo,
        )
        case = db.session.get(Case, case_id)
        referral = case.referrals[0]
        person = referral.victim if role == SubjectRole.VICTIM else referral.perpetrators[0]
        saved.cases.append(
            SubjectRequestCase(
                case_id=case.id,
                case_reference=case.reference,
                person_id=person.id,
                referral_id=referral.id,
                subject_role=role,
            )
        )
        db.session.commit()
        return saved.id


def put_on_upcoming_list(app: Flask, world, case_id: int) -> int:
    """Put the case on the case list of a meeting next week; returns the meeting id."""
    with app.app_context():
        starts = utcnow() + timedelta(days=7)
        meeting = Meeting(
            area_id=world.area.id, starts_at=starts, ends_at=starts + timedelta(hours=2)
        )
        db.session.add(meeting)
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case_id))
        db.session.commit()
        return meeting.id


def reference_of(app: Flask, case_id: int) -> str:
    with app.app_context():
        return db.session.get(Case, case_id).reference


def number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def new_referral_reference(app: Flask, auth, world, victim: str) -> str:
    """The coordinator records a new referral through the form; its case's reference."""
    auth.sign_in_as(world.coordinator)
    response = auth.post(
        "/cases/new",
        form_data(world.agency.id, victim_name=victim, **{"victim_date_of_birth-year": "1980"}),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    auth.sign_out()
    with app.app_context():
        return db.session.scalar(sa.select(Case.reference).order_by(Case.id.desc()).limit(1))


def test_reference_never_reused_after_erasure_and_who_viewed_still_finds_it(
    app: Flask, auth, client, world, make_heard_case
) -> None:
    with app.app_context():  # a real area code (letters only), as the audit search expects
        db.session.execute(
            sa.update(MaracArea).where(MaracArea.id == world.area.id).values(code="ERQZ")
        )
        db.session.commit()
    make_heard_case(world, victim="Olive Olderson")
    newest = make_heard_case(world)
    erased_reference = reference_of(app, newest)
    auth.sign_in_as(world.coordinator)
    assert client.get(f"/cases/{newest}").status_code == 200  # a read the trail keeps
    auth.sign_out()
    request_id = erasure_request(app, world, newest)

    auth.sign_in_as(world.dpo)
    assert auth.post(f"/privacy/requests/{request_id}/erase", {"confirm": "y"}).status_code == 302
    auth.sign_out()
    with app.app_context():
        assert not case_exists(newest) and orphans() == []

    fresh = new_referral_reference(app, auth, world, "Nora Newcomer")
    assert fresh != erased_reference
    assert number(fresh) == number(erased_reference) + 1
    with app.app_context():
        fresh_case = db.session.scalar(sa.select(Case).where(Case.reference == fresh))
        assert fresh_case.id != newest  # the audit trail names the erased case by its id

    auth.sign_in_as(world.dpo)
    page = client.get("/audit/case-views", query_string={"reference": erased_reference})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "no longer exists" in text and "erased under a data-subject request" in text
    viewer = f'govuk-table__header">{world.coordinator.name}</th>'
    assert viewer in text  # the view made before the erasure is still listed
    page = client.get("/audit/case-views", query_string={"reference": fresh})
    assert viewer not in page.get_data(as_text=True)


def test_reference_never_reused_after_a_retention_purge(
    app: Flask, auth, world, make_heard_case
) -> None:
    newest = make_heard_case(world, closed_on=date(2015, 1, 1))
    erased_reference = reference_of(app, newest)
    with app.app_context():
        retention.apply_retention(london_today())
        tombstone = db.session.scalar(
            sa.select(ErasedCase).where(ErasedCase.reference == erased_reference)
        )
        assert tombstone.basis == ErasureBasis.RETENTION and tombstone.request_id is None
    fresh = new_referral_reference(app, auth, world, "Nora Newcomer")
    assert number(fresh) == number(erased_reference) + 1


def test_the_tombstone_holds_no_personal_data_and_survives_the_purge(
    app: Flask, auth, world, make_heard_case
) -> None:
    assert set(ErasedCase.__table__.columns.keys()) == {
        "id",
        "case_id",
        "reference",
        "area_id",
        "case_created_at",
        "case_closed_on",
        "erased_at",
        "basis",
        "request_id",
        "was_on_upcoming_list",
    }
    assert "erased_case" not in retention.dependency_report()
    case_id = make_heard_case(world, closed_on=date(2025, 2, 3))
    request_id = erasure_request(app, world, case_id)
    auth.sign_in_as(world.dpo)
    assert auth.post(f"/privacy/requests/{request_id}/erase", {"confirm": "y"}).status_code == 302
    with app.app_context():
        tombstone = db.session.scalar(sa.select(ErasedCase).where(ErasedCase.case_id == case_id))
        assert tombstone.basis == ErasureBasis.SUBJECT_REQUEST
        assert tombstone.request_id == request_id and tombstone.area_id == world.area.id
        assert tombstone.case_closed_on == date(2025, 2, 3)
        assert tombstone.case_created_at is not None and tombstone.erased_at is not None
        values = " ".join(str(v) for v in db.session.execute(sa.select(ErasedCase.__table__)).one())
        for word in (VICTIM, "Valerie", PERPETRATOR, CHILD, "Safe Street", "07700"):
            assert word not in values
        link = db.session.get(SubjectRequest, request_id).cases[0]
        assert link.erased_at is not None and link.case_reference == tombstone.reference


def test_consequences_are_shown_before_anything_is_erased(
    app: Flask, auth, client, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    put_on_upcoming_list(app, world, case_id)
    request_id = erasure_request(app, world, case_id)
    auth.sign_in_as(world.dpo)
    detail = client.get(f"/privacy/requests/{request_id}").get_data(as_text=True)
    assert f'href="/privacy/requests/{request_id}/erase"' in detail
    page = client.get(f"/privacy/requests/{request_id}/erase")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert reference_of(app, case_id) in text
    assert "Upcoming case lists" in text and world.area.name in text
    assert f"{world.agency.name}: 1</li>" in text  # one open action, by agency
    assert f"{world.agency.name}: 1 copy" in text  # one copy of the minutes held
    assert "Open and on an upcoming case list" in text
    assert "cannot be recovered" in text  # the confirmation
    with app.app_context():
        assert case_exists(case_id)  # looking erases nothing
        assert (
            db.session.scalar(
                sa.select(AuditEvent.action).where(
                    AuditEvent.action == "erasure_consequences_viewed"
                )
            )
            is not None
        )


def test_listed_open_case_is_refused_without_a_reason_and_erased_with_one(
    app: Flask, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    put_on_upcoming_list(app, world, case_id)
    request_id = erasure_request(app, world, case_id)
    path = f"/privacy/requests/{request_id}/erase"
    auth.sign_in_as(world.dpo)
    refused = auth.post(path, {"confirm": "y", "reason": "  "})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "There is a problem" in text and "Enter why" in text
    assert "upcoming meeting&#39;s case list" in text or "upcoming meeting's case list" in text
    with app.app_context():
        assert case_exists(case_id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ErasedCase)) == 0

    reason = "She asked again with her IDVA; the risk was agreed with the chair."
    response = auth.post(path, {"confirm": "y", "reason": reason})
    assert response.status_code == 302
    with app.app_context():
        assert not case_exists(case_id)
        saved = db.session.get(SubjectRequest, request_id)
        assert saved.status == RequestStatus.COMPLETED
        assert saved.cases[0].erasure_reason == reason
        tombstone = db.session.scalar(sa.select(ErasedCase).where(ErasedCase.case_id == case_id))
        assert tombstone.was_on_upcoming_list is True
        detail = db.session.scalar(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "erasure_carried_out")
        )
        assert detail.endswith("fields=erasure_reason") and "IDVA" not in detail


def test_erasure_needs_an_explicit_confirmation_and_keeps_what_was_typed(
    app: Flask, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    put_on_upcoming_list(app, world, case_id)
    request_id = erasure_request(app, world, case_id)
    auth.sign_in_as(world.dpo)
    response = auth.post(
        f"/privacy/requests/{request_id}/erase", {"reason": "Agreed with the chair <b>today</b>"}
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Confirm that you want to erase these records" in text
    assert "Agreed with the chair &lt;b&gt;today&lt;/b&gt;" in text  # re-shown, escaped
    with app.app_context():
        assert case_exists(case_id)
        assert db.session.get(SubjectRequest, request_id).status == RequestStatus.OPEN


def test_a_closed_case_not_on_a_list_needs_only_the_confirmation(
    app: Flask, auth, client, world, make_heard_case
) -> None:
    case_id = make_heard_case(world, closed_on=date(2026, 4, 1))
    put_on_upcoming_list(app, world, case_id)  # closed: no reason asked
    request_id = erasure_request(app, world, case_id)
    auth.sign_in_as(world.dpo)
    page = client.get(f"/privacy/requests/{request_id}/erase").get_data(as_text=True)
    assert 'name="reason"' not in page
    assert auth.post(f"/privacy/requests/{request_id}/erase", {"confirm": "y"}).status_code == 302
    with app.app_context():
        assert not case_exists(case_id)


@pytest.mark.parametrize("role", [SubjectRole.PERPETRATOR, SubjectRole.CHILD])
def test_erasure_is_refused_when_the_requester_is_not_the_victim(
    app: Flask, auth, client, world, make_heard_case, role: SubjectRole
) -> None:
    case_id = make_heard_case(world)
    request_id = erasure_request(app, world, case_id, role=role)
    auth.sign_in_as(world.dpo)
    page = client.get(f"/privacy/requests/{request_id}/erase").get_data(as_text=True)
    assert "not the victim" in page and "restrict processing" in page
    assert "Erase the records</button>" not in page
    response = auth.post(
        f"/privacy/requests/{request_id}/erase",
        {"confirm": "y"},
        form_path=f"/privacy/requests/{request_id}",
    )
    assert response.status_code == 409
    assert "erasing the case would erase the victim&#39;s record" in response.get_data(as_text=True)
    with app.app_context():
        assert case_exists(case_id)
        assert db.session.get(SubjectRequest, request_id).status == RequestStatus.OPEN


def test_erasure_is_refused_under_a_legal_hold(
    app: Flask, auth, client, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    request_id = erasure_request(app, world, case_id)
    with app.app_context():
        retention.set_legal_hold(db.session.get(Case, case_id), "Court order", actor=None)
        db.session.commit()
    auth.sign_in_as(world.dpo)
    page = client.get(f"/privacy/requests/{request_id}/erase").get_data(as_text=True)
    assert "Yes: Court order" in page and "under a legal hold" in page
    response = auth.post(
        f"/privacy/requests/{request_id}/erase",
        {"confirm": "y"},
        form_path=f"/privacy/requests/{request_id}",
    )
    assert response.status_code == 409
    with app.app_context():
        assert case_exists(case_id)


def test_the_areas_coordinator_is_told_by_email_and_sees_the_reference_on_signing_in(
    app: Flask,
    auth,
    client,
    world,
    make_heard_case,
    make_area,
    make_user,
    smtp_server: SmtpCollector,
) -> None:
    from marac_app.auth.models import Role

    other_area = make_area()
    other_coordinator = make_user(Role.COORDINATOR, area=other_area)
    make_user(Role.COORDINATOR, area=world.area, active=False)  # deactivated: not told
    case_id = make_heard_case(world)
    reference = reference_of(app, case_id)
    request_id = erasure_request(app, world, case_id)
    auth.sign_in_as(world.dpo)
    response = auth.post(f"/privacy/requests/{request_id}/erase", {"confirm": "y"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 coordinator has been emailed" in status
    assert [str(m["To"]) for m in smtp_server.messages] == [world.coordinator.email]
    message = smtp_server.messages[0]
    assert str(message["Subject"]) == "MARAC Manager: a case in your area was erased"
    body = message.get_content()
    assert world.area.name in body and "Sign in to see which case" in body
    raw = message.as_string()
    for secret in (
        reference,
        VICTIM,
        "Valerie",
        PERPETRATOR,
        CHILD,
        "Safe Street",
        re.sub(r"-\d+$", "", reference) + "-",
    ):
        assert secret not in raw
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "erasure_notice_sent")
            )
            == f"area={world.area.id}"
        )
    auth.sign_out()

    auth.sign_in_as(world.coordinator)
    home = client.get("/").get_data(as_text=True)
    assert "Cases erased recently" in home and reference in home
    assert "erased under a data-subject request" in home
    auth.sign_out()
    auth.sign_in_as(other_coordinator)
    assert reference not in client.get("/").get_data(as_text=True)


def test_dpo_previews_and_applies_retention_from_the_page(
    app: Flask, auth, client, world, make_heard_case
) -> None:
    due = make_heard_case(world, victim="Dora Duecase", closed_on=date(2015, 1, 1))
    held = make_heard_case(world, victim="Hilda Heldcase", closed_on=date(2014, 6, 1))
    recent = make_heard_case(world, victim="Rita Recentcase", closed_on=date(2024, 1, 1))
    with app.app_context():
        retention.set_legal_hold(db.session.get(Case, held), "Domestic homicide review", actor=None)
        db.session.commit()
    due_reference, held_reference = reference_of(app, due), reference_of(app, held)
    auth.sign_in_as(world.dpo)
    page = client.get("/privacy/retention").get_data(as_text=True)
    row = page[page.index(due_reference) :]
    row = row[: row.index("</tr>")]
    assert world.area.name in row and "1 January 2015" in row
    assert "1 referral" in row and "3 people named in referrals" in row
    assert "2 minutes entries" in row and "1 action" in row
    assert "kept because of a legal hold" in page and held_reference in page
    assert "Delete the records" in page
    for table in ("referral_person", "minute_entry", "agenda_item", "action_item"):
        assert table not in page
    for name in ("Dora", "Hilda", "Rita"):
        assert name not in page

    unconfirmed = auth.post(
        "/privacy/retention/apply", {"case_ids": str(due)}, form_path="/privacy/retention"
    )
    assert unconfirmed.status_code == 400
    assert "Confirm that you have checked the list" in unconfirmed.get_data(as_text=True)
    with app.app_context():
        assert case_exists(due)

    # Only cases still due are deleted, whatever the form says (the held one is kept).
    response = auth.post(
        "/privacy/retention/apply",
        {"case_ids": f"{due},{held},{recent}", "confirm": "y"},
        form_path="/privacy/retention",
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 case was deleted" in status
    with app.app_context():
        assert not case_exists(due) and case_exists(held) and case_exists(recent)
        assert orphans() == []
        tombstone = db.session.scalar(sa.select(ErasedCase).where(ErasedCase.case_id == due))
        assert tombstone.reference == due_reference
        assert tombstone.basis == ErasureBasis.RETENTION
        purged = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "retention_purged")
        ).all()
        assert [e.actor_id for e in purged] == [world.dpo.id]
        # Only the case still due went to the job, whatever else the form named.
        assert (
            db.session.scalar(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "retention_apply_started")
            )
            == "cases=1"
        )

    tampered = auth.post(
        "/privacy/retention/apply",
        {"case_ids": "1,x", "confirm": "y"},
        form_path="/privacy/retention",
    )
    assert tampered.status_code == 400


def test_every_record_a_case_holds_has_plain_words() -> None:
    from marac_app.privacy.retention_preview import RECORD_WORDS

    missing = set(retention.dependency_report()) - set(RECORD_WORDS)
    assert missing == set(), f"name these records in RECORD_WORDS: {missing}"
