"""Subject access requests from people in every role, through the real pages (issue 11, 1).

A perpetrator's request used to find nothing, then — attached by reference — export the
victim's own copy (her address, safe phone and views), "redacted" by matching name words
(which removed "Police"). Now the person is found in their role, the DPO confirms what is
attached (and says who the requester is in a case added by reference), the copy is built from
that role's fields and passages only, and nothing is released before every passage is reviewed
(disclose / redact words / withhold under an exemption), in plain words and UK dates.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from marac_app.action_items.models import ActionStatus
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.distribution.models import MasterKind
from marac_app.extensions import db
from marac_app.minutes.models import EntryKind, MinuteEntry, Subject
from marac_app.privacy import export, subjects
from marac_app.privacy.models import (
    PassageReview,
    SubjectRequest,
    SubjectRequestCase,
    SubjectRight,
    SubjectRole,
)
from marac_app.referrals import services as referral_services
from marac_app.referrals.models import AgendaItem, Case, CaseStatus, Criterion
from marac_app.referrals.people import (
    Disability,
    Ethnicity,
    Gender,
    Person,
    PersonRole,
    Sexuality,
)
from tests.privacy.access_helpers import (
    PASSAGE_RE,
    decide,
    disclose_all,
    passage_keys,
    review_path,
)
from tests.privacy.conftest import CHILD, PERPETRATOR, referral_details
from tests.privacy.test_requests import _check_schema

VICTIM = "Valerie Victimson"
# What belongs to the victim alone (tests/privacy/conftest.py and the entries below).
VICTIMS_OWN = (
    "1 Safe Street",
    "07700 900123",
    "wants to stay at home",
    "Bisexual",
    "Black, Black British",
    "frightened he will come back",
    VICTIM,
)
# Stored codes: those with an underscore may not appear anywhere; a value may not be a code.
UNDERSCORE_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")
CODES = {
    member.value
    for enum_class in (
        Gender,
        Sexuality,
        Ethnicity,
        Disability,
        Criterion,
        CaseStatus,
        ActionStatus,
        EntryKind,
        Subject,
        PersonRole,
        SubjectRole,
        MasterKind,
    )
    for member in enum_class
}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def log(auth, name: str, *, right: SubjectRight = SubjectRight.ACCESS, **extra: str) -> int:
    """Log a request through the form; returns its id (the page goes to the matches)."""
    response = auth.post(
        "/privacy/requests/new",
        {
            "person_name": name,
            "right": right.value,
            "received_on-day": "2",
            "received_on-month": "3",
            "received_on-year": "2026",
            **extra,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/privacy/requests/(\d+)/matches$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _dob(day: int, month: int, year: int) -> dict[str, str]:
    """The request form's date-of-birth boxes."""
    return {
        "date_of_birth-day": str(day),
        "date_of_birth-month": str(month),
        "date_of_birth-year": str(year),
    }


def matches_page(auth, request_id: int) -> str:
    page = auth.client.get(f"/privacy/requests/{request_id}/matches")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def offered(page: str) -> list[str]:
    return re.findall(r'name="records"[^>]*value="([pr]\d+)"', page)


def attach(auth, request_id: int, values: list[str]) -> Any:
    path = f"/privacy/requests/{request_id}/matches"
    return auth.post(path, {"records": values}, form_path=path)


def links(app: Flask, request_id: int) -> list[tuple[int, SubjectRole | None]]:
    with app.app_context():
        found = db.session.get(SubjectRequest, request_id)
        return [(link.case_id, link.subject_role) for link in found.cases]


def export_text(auth, request_id: int, case_id: int) -> tuple[dict[str, Any], str, str]:
    """The JSON (parsed and as text) and the PDF's text, read back with pypdf."""
    base = f"/privacy/requests/{request_id}/cases/{case_id}"
    response = auth.client.get(f"{base}/export.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    text = response.get_data(as_text=True)
    pdf = auth.client.get(f"{base}/export.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    pdf_text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    return json.loads(text), text, pdf_text


def add_entry(app: Flask, case_id: int, subject: Subject, kind: EntryKind, text: str) -> int:
    with app.app_context():
        item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.case_id == case_id))
        entry = db.session.scalar(
            sa.select(MinuteEntry).where(MinuteEntry.agenda_item_id == item.id)
        )
        new = MinuteEntry(
            agenda_item_id=item.id,
            subject=subject,
            kind=kind,
            source_agency_id=entry.source_agency_id,
            text_html=f"<p>{text}</p>",
        )
        db.session.add(new)
        db.session.commit()
        return new.id


def review_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PassageReview))


# --- The perpetrator's request -----------------------------------------------------------------


def test_perpetrators_request_finds_them_in_their_role_and_exports_none_of_the_victims_data(
    app: Flask, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    add_entry(
        app,
        case_id,
        Subject.PERPETRATOR,
        EntryKind.VICTIMS_VIEW,
        "She is frightened he will come back when bail ends.",
    )
    auth.sign_in_as(world.dpo)
    request_id = log(auth, PERPETRATOR)
    assert links(app, request_id) == []  # nothing attached before the DPO confirms

    page = matches_page(auth, request_id)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    assert f"{reference} ({world.area.name}): Alleged perpetrator" in page
    assert "born 2 January 2009" in page
    assert len(offered(page)) == 1  # not the victim's record, not the child's
    assert attach(auth, request_id, offered(page)).status_code == 302
    assert links(app, request_id) == [(case_id, SubjectRole.PERPETRATOR)]

    review = auth.client.get(review_path(request_id, case_id)).get_data(as_text=True)
    assert "Alleged perpetrator" in review and "conviction for assault" in review
    for own in VICTIMS_OWN:
        assert own not in review, own
    keys = PASSAGE_RE.findall(review)
    assert len(keys) == 1 and keys[0].startswith("entry:")  # the victim's view is not his

    base = f"/privacy/requests/{request_id}/cases/{case_id}"
    refused = auth.client.get(f"{base}/export.json")
    assert refused.status_code == 409
    assert (
        "Review every passage before exporting: 1 of 1 still needs a decision"
        in refused.get_data(as_text=True)
    )
    assert auth.client.get(f"{base}/export.pdf").status_code == 409

    assert decide(auth, request_id, case_id, keys[0], "disclose").status_code == 302
    data, text, pdf_text = export_text(auth, request_id, case_id)
    _check_schema(data, export.load_schema())
    assert data["requester"] == {"name": PERPETRATOR, "role": "Alleged perpetrator"}
    details = dict((d["item"], d["value"]) for d in data["records"][0]["details"])
    assert details == {
        "Full name": PERPETRATOR,
        "Other names": "Not recorded",
        "Date of birth": "2 January 2009",
        "Gender": "Not recorded",
        "Relationship to the victim": "ex-partner",
    }
    assert [p["text"] for p in data["passages"]] == [f"{PERPETRATOR} has a conviction for assault."]
    for own in VICTIMS_OWN:
        assert own not in text, own
        assert own not in pdf_text, own
    for field in ("Address", "Safe phone", "Safe to call", "Ethnic group", "Sexual orientation"):
        assert field not in text and field not in pdf_text, field
    assert PERPETRATOR in pdf_text and "conviction for assault" in pdf_text


def test_the_demo_perpetrators_request_is_answered_from_his_record_only(
    app: Flask, auth, make_user
) -> None:
    """Issue 11 measured this on the demo data: CAM-2026-0001's alleged perpetrator."""
    from marac_app.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    dpo = make_user(Role.DPO)
    auth.sign_in_as(dpo)
    request_id = log(auth, "Demo Perpetrator-One")
    page = matches_page(auth, request_id)
    assert "No case was found" not in page
    assert re.search(r"CAM-2026-\d{4} \(Cambridge\): Alleged perpetrator", page)
    values = offered(page)
    assert len(values) == 1  # one person, although both referrals of the case record him
    assert attach(auth, request_id, values).status_code == 302
    [(case_id, role)] = links(app, request_id)
    assert role == SubjectRole.PERPETRATOR
    disclose_all(auth, request_id, case_id)
    data, text, pdf_text = export_text(auth, request_id, case_id)
    assert len(data["records"]) == 2 and data["requester"]["role"] == "Alleged perpetrator"
    for victims in (
        "Demo Street",
        "07700 900000",
        "Safe to call",
        "Demo Victim-One",
        "White British",
        "Prefers not to say",
        "Fenshire IDVA",
    ):
        assert victims not in text, victims
        assert victims not in pdf_text, victims
    assert "Demo Perpetrator-One" in pdf_text


# --- Review: disclose, redact, withhold; "Police" stays ------------------------------------------


def test_police_stays_in_the_copy_whoever_has_a_name_like_it(
    app: Flask, auth, world, make_heard_case, make_user
) -> None:
    make_user(Role.AGENCY_REP, agency=world.agency, area=world.area, name="Priya Demo-Police")
    case_id = make_heard_case(world)
    add_entry(
        app,
        case_id,
        Subject.VICTIM,
        EntryKind.FACT,
        "Police attended the address three times. Perpetrator bailed.",
    )
    auth.sign_in_as(world.dpo)
    request_id = log(auth, VICTIM)
    assert attach(auth, request_id, offered(matches_page(auth, request_id))).status_code == 302
    disclose_all(auth, request_id, case_id)
    data, text, pdf_text = export_text(auth, request_id, case_id)
    assert "Police attended the address three times. Perpetrator bailed." in text
    assert "Police attended the address three times. Perpetrator bailed." in pdf_text
    assert "[redacted" not in text


def _victims_entry(auth, request_id: int, case_id: int) -> str:
    page = auth.client.get(review_path(request_id, case_id)).get_data(as_text=True)
    return next(k for k in PASSAGE_RE.findall(page) if k.startswith("entry:"))


def test_redact_takes_out_the_selected_words_only(app: Flask, auth, world, make_heard_case) -> None:
    case_id = make_heard_case(world)
    auth.sign_in_as(world.dpo)
    request_id = log(auth, VICTIM)
    attach(auth, request_id, offered(matches_page(auth, request_id)))
    key = _victims_entry(auth, request_id, case_id)

    missing = decide(auth, request_id, case_id, key, "redact", redactions="Nobody Here")
    assert missing.status_code == 400
    assert "The passage does not contain “Nobody Here”" in missing.get_data(as_text=True)
    empty = decide(auth, request_id, case_id, key, "redact", redactions=" \n ")
    assert empty.status_code == 400
    assert "Enter the words to redact" in empty.get_data(as_text=True)
    assert review_count(app) == 0  # nothing half-saved

    done = decide(
        auth, request_id, case_id, key, "redact", redactions=f"zebedee  quarrington\n{PERPETRATOR}"
    )
    assert done.status_code == 302
    for other in passage_keys(auth, request_id, case_id):
        if other != key:
            decide(auth, request_id, case_id, other, "disclose")
    data, text, pdf_text = export_text(auth, request_id, case_id)
    entry = next(p["text"] for p in data["passages"] if p["section"] == "Minutes")
    assert entry == f"{VICTIM} wants to stay at home. She fears [redacted]."
    assert "She fears [redacted]." in pdf_text
    assert any(PERPETRATOR in p["text"] for p in data["passages"] if p["section"] != "Minutes")
    with app.app_context():
        detail = db.session.scalar(
            sa.select(AuditEvent.detail)
            .where(AuditEvent.action == "subject_passage_reviewed")
            .order_by(AuditEvent.id)
            .limit(1)
        )
    assert detail == f"case={case_id} passage={key} decision=redact redactions=1"


def test_withhold_leaves_the_passage_out_and_says_under_which_exemption(
    app: Flask, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    auth.sign_in_as(world.dpo)
    request_id = log(auth, VICTIM)
    attach(auth, request_id, offered(matches_page(auth, request_id)))
    key = _victims_entry(auth, request_id, case_id)
    none = decide(auth, request_id, case_id, key, "withhold")
    assert none.status_code == 400
    assert "Select the exemption you are relying on" in none.get_data(as_text=True)
    other = decide(auth, request_id, case_id, key, "withhold", exemption="other")
    assert other.status_code == 400
    assert "Enter the exemption you are relying on" in other.get_data(as_text=True)
    assert review_count(app) == 0

    assert decide(auth, request_id, case_id, key, "withhold", exemption="crime").status_code == 302
    for other_key in passage_keys(auth, request_id, case_id):
        if other_key != key:
            decide(auth, request_id, case_id, other_key, "disclose")
    data, text, pdf_text = export_text(auth, request_id, case_id)
    assert "wants to stay at home" not in text and "wants to stay at home" not in pdf_text
    [withheld] = data["withheld"]
    assert withheld["section"] == "Minutes"
    assert withheld["exemption"].startswith("Prevention or detection of crime")
    assert "Information withheld" in pdf_text and "Prevention or detection of crime" in pdf_text
    with app.app_context():
        details = list(
            db.session.scalars(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "subject_passage_reviewed")
            )
        )
    assert f"case={case_id} passage={key} decision=withhold exemption=crime" in details
    assert not any("stay at home" in d for d in details)


def test_stale_review_is_invalidated_when_the_text_changes(
    app: Flask, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    auth.sign_in_as(world.dpo)
    request_id = log(auth, PERPETRATOR)
    attach(auth, request_id, offered(matches_page(auth, request_id)))
    disclose_all(auth, request_id, case_id)
    base = f"/privacy/requests/{request_id}/cases/{case_id}"
    assert auth.client.get(f"{base}/export.json").status_code == 200
    with app.app_context():
        entry = db.session.scalar(
            sa.select(MinuteEntry).where(MinuteEntry.subject == Subject.PERPETRATOR)
        )
        entry.text_html = "<p>Amended: a second conviction, and the victim's new address.</p>"
        db.session.commit()
    page = auth.client.get(review_path(request_id, case_id)).get_data(as_text=True)
    assert "Changed since reviewed" in page and "0 of 1" in page
    refused = auth.client.get(f"{base}/export.json")
    assert refused.status_code == 409
    assert "1 changed since it was reviewed" in refused.get_data(as_text=True)
    disclose_all(auth, request_id, case_id)
    assert "second conviction" in auth.client.get(f"{base}/export.json").get_data(as_text=True)


# --- Plain words, other roles, attaching by reference -------------------------------------------


def test_the_copy_uses_plain_words_and_uk_dates(app: Flask, auth, world, make_heard_case) -> None:
    case_id = make_heard_case(world)
    with app.app_context():
        victim = db.session.get(Case, case_id).victim
        victim.sexuality = Sexuality.PREFER_NOT_TO_SAY
        db.session.commit()
    auth.sign_in_as(world.dpo)
    request_id = log(auth, VICTIM)
    attach(auth, request_id, offered(matches_page(auth, request_id)))
    disclose_all(auth, request_id, case_id)
    data, text, pdf_text = export_text(auth, request_id, case_id)
    values = _values(data)
    assert not set(values) & CODES, set(values) & CODES
    assert not [v for v in values if UNDERSCORE_CODE.search(v)]
    assert not UNDERSCORE_CODE.search(pdf_text), UNDERSCORE_CODE.search(pdf_text)
    assert not ISO_DATE.search(text) and not ISO_DATE.search(pdf_text)
    for words in (
        "Prefers not to say",
        "Visible high risk",
        "27 March 1990",
        "1 March 2026",
        "Female",
        "Status: Open",
        "Victim's view (as relayed by the IDVA)",
    ):
        assert words in text, words
        assert words in pdf_text, words


def _values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for key, item in value.items() for v in _values(item)]
    if isinstance(value, list):
        return [v for item in value for v in _values(item)]
    return [str(value)]


def test_a_child_and_a_household_member_are_found_in_their_roles(
    app: Flask, auth, world, make_heard_case
) -> None:
    with app.app_context():
        from marac_app.agencies.models import MaracArea

        referral = referral_services.create_referral(
            area=db.session.get(MaracArea, world.area.id),
            actor=None,
            details=referral_details(
                world.agency.id,
                VICTIM,
                vulnerable_adults=[
                    referral_services.PersonDetails(
                        full_name="Gwendolyn Grandparent",
                        aliases="Gwen, Nana G",
                        date_of_birth=date(1940, 7, 8),
                        relationship_to_victim="Mother",
                    )
                ],
            ),
        )
        case_id = referral.case_id
        meeting = db.session.get(type(world.meeting), world.meeting.id)
        referral_services.allocate_to_meeting(referral, meeting, actor=None)
        db.session.add(
            MinuteEntry(
                agenda_item_id=db.session.scalar(
                    sa.select(AgendaItem.id).where(AgendaItem.case_id == case_id)
                ),
                subject=Subject.CHILD_OR_VULNERABLE_ADULT,
                kind=EntryKind.FACT,
                source_agency_id=world.agency.id,
                text_html="<p>The children attend school.</p>",
            )
        )
        db.session.add(
            MinuteEntry(
                agenda_item_id=db.session.scalar(
                    sa.select(AgendaItem.id).where(AgendaItem.case_id == case_id)
                ),
                subject=Subject.VICTIM,
                kind=EntryKind.VICTIMS_VIEW,
                source_agency_id=world.agency.id,
                text_html="<p>She wants to stay at home.</p>",
            )
        )
        db.session.commit()
    auth.sign_in_as(world.dpo)

    child_request = log(auth, CHILD, **_dob(6, 5, 2018))
    page = matches_page(auth, child_request)
    assert ": Child" in page and "Matched on: full name and date of birth" in page
    attach(auth, child_request, offered(page))
    assert links(app, child_request) == [(case_id, SubjectRole.CHILD)]
    disclose_all(auth, child_request, case_id)
    data, text, pdf_text = export_text(auth, child_request, case_id)
    assert data["requester"]["role"] == "Child"
    assert [p["text"] for p in data["passages"]] == ["The children attend school."]
    for own in VICTIMS_OWN:
        assert own not in text and own not in pdf_text, own

    wrong_dob = log(auth, "Gwen", **_dob(1, 1, 1950))
    assert offered(matches_page(auth, wrong_dob)) == []
    adult_request = log(auth, "gwen")  # found by another name she is known by
    page = matches_page(auth, adult_request)
    assert ": Other vulnerable adult" in page and "another name they are known by" in page
    attach(auth, adult_request, offered(page))
    disclose_all(auth, adult_request, case_id)
    data, text, _ = export_text(auth, adult_request, case_id)
    details = dict((d["item"], d["value"]) for d in data["records"][0]["details"])
    assert details["Full name"] == "Gwendolyn Grandparent"
    assert details["Date of birth"] == "8 July 1940" and details["Other names"] == "Gwen, Nana G"
    assert "1 Safe Street" not in text and "stay at home" not in text


def test_a_referrer_gets_only_what_records_them(app: Flask, auth, world, make_heard_case) -> None:
    case_id = make_heard_case(world)
    auth.sign_in_as(world.dpo)
    request_id = log(auth, "Rhiannon Referrer-Staff")
    page = matches_page(auth, request_id)
    assert "Referrer (the professional who made the referral)" in page
    attach(auth, request_id, offered(page))
    assert passage_keys(auth, request_id, case_id) == []
    data, text, _ = export_text(auth, request_id, case_id)
    assert data["records"][0]["details"] == [
        {"item": "Name", "value": "Rhiannon Referrer-Staff"},
        {"item": "Job title", "value": "Not recorded"},
        {"item": "Agency", "value": world.agency.name},
    ]
    assert data["passages"] == [] and VICTIM not in text and "Strangulation" not in text


def test_a_case_in_another_area_is_found_too(
    app: Flask, auth, world, make_heard_case, make_area, make_agency
) -> None:
    from marac_app.agencies.models import MaracArea

    make_heard_case(world)
    other_area = make_area(name="Fenland test")
    other_agency = make_agency(areas=[other_area])
    with app.app_context():
        referral_services.create_referral(
            area=db.session.get(MaracArea, other_area.id),
            actor=None,
            details=referral_details(other_agency.id, "Olwen Otherarea"),
        )
        db.session.commit()
    auth.sign_in_as(world.dpo)
    page = matches_page(auth, log(auth, PERPETRATOR))
    assert "(Fenland test): Alleged perpetrator" in page
    assert f"({world.area.name}): Alleged perpetrator" in page
    assert len(offered(page)) == 2


def test_a_case_added_by_reference_asks_who_the_requester_is(
    app: Flask, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
        perpetrator_id = db.session.scalar(
            sa.select(Person.id).where(Person.role == PersonRole.PERPETRATOR)
        )
    auth.sign_in_as(world.dpo)
    request_id = log(auth, "Zeb Q")  # a name the records do not hold
    page = matches_page(auth, request_id)
    assert "No record of a person with this name was found" in page

    unknown = auth.client.get(f"/privacy/requests/{request_id}/add-case?reference=NOPE-1")
    assert unknown.status_code == 400
    assert "No case has the reference NOPE-1" in unknown.get_data(as_text=True)
    path = f"/privacy/requests/{request_id}/add-case?reference={reference.lower()}"
    chooser = auth.client.get(path)
    assert chooser.status_code == 200
    chooser_page = chooser.get_data(as_text=True)
    assert f"{PERPETRATOR}: Alleged perpetrator" in chooser_page
    assert f"{VICTIM}: Victim" in chooser_page and f"{CHILD}: Child" in chooser_page
    assert "checked" not in chooser_page  # never a default, least of all the victim

    post = f"/privacy/requests/{request_id}/add-case"
    nothing = auth.post(post, {"reference": reference}, form_path=path)
    assert nothing.status_code == 400
    assert f"Select who the requester is in case {reference}" in nothing.get_data(as_text=True)
    assert links(app, request_id) == []
    chosen = auth.post(
        post, {"reference": reference, "records": f"p{perpetrator_id}"}, form_path=path
    )
    assert chosen.status_code == 302
    assert links(app, request_id) == [(case_id, SubjectRole.PERPETRATOR)]

    # Choosing another role for the case starts its review again.
    disclose_all(auth, request_id, case_id)
    assert review_count(app) == 1
    with app.app_context():
        victim_id = db.session.get(Case, case_id).victim.id
    again = auth.post(post, {"reference": reference, "records": f"p{victim_id}"}, form_path=path)
    assert again.status_code == 302
    assert links(app, request_id) == [(case_id, SubjectRole.VICTIM)] and review_count(app) == 0


def test_a_link_without_a_role_exports_nothing(app: Flask, auth, world, make_heard_case) -> None:
    """Links made before roles were recorded (migration 0015) say nothing about the requester."""
    case_id = make_heard_case(world)
    with app.app_context():
        case = db.session.get(Case, case_id)
        old = SubjectRequest(
            person_name=PERPETRATOR,
            right=SubjectRight.ACCESS,
            received_on=date(2026, 3, 1),
            due_on=date(2026, 4, 1),
        )
        old.cases = [SubjectRequestCase(case_id=case.id, case_reference=case.reference)]
        db.session.add(old)
        db.session.commit()
        request_id = old.id
    auth.sign_in_as(world.dpo)
    detail = auth.client.get(f"/privacy/requests/{request_id}").get_data(as_text=True)
    assert "not chosen yet" in detail
    refused = auth.client.get(f"/privacy/requests/{request_id}/cases/{case_id}/export.json")
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "Choose who the requester is in case" in body
    for own in VICTIMS_OWN:
        assert own not in body, own


def test_a_perpetrators_rectification_request_never_changes_the_victims_record(
    app: Flask, auth, world, make_heard_case
) -> None:
    case_id = make_heard_case(world)
    auth.sign_in_as(world.dpo)
    request_id = log(auth, PERPETRATOR, right=SubjectRight.RECTIFICATION)
    attach(auth, request_id, offered(matches_page(auth, request_id)))
    response = auth.post(
        f"/privacy/requests/{request_id}/rectify",
        {"case_id": case_id, "field": "address", "new_value": "9 His Road", "reason": "Asked"},
        form_path=f"/privacy/requests/{request_id}",
    )
    assert response.status_code == 400
    assert "Only the victim&#39;s own request can correct her details" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Case, case_id).victim.address == "1 Safe Street"


# --- Odd input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"passage": "entry:999999", "decision": "disclose"},
        {"passage": "", "decision": "disclose"},
        {"decision": "dance"},
        {"decision": "withhold", "exemption": "because"},
        {"decision": "redact", "redactions": "x" * 6000},
        {"decision": "redact", "redactions": "\x00"},
        {"decision": "disclose", "passage": "entry:1\n"},
    ],
)
def test_bad_decisions_are_refused_with_nothing_saved(
    app: Flask, auth, world, make_heard_case, data: dict[str, str]
) -> None:
    case_id = make_heard_case(world)
    auth.sign_in_as(world.dpo)
    request_id = log(auth, VICTIM)
    attach(auth, request_id, offered(matches_page(auth, request_id)))
    key = _victims_entry(auth, request_id, case_id)
    response = auth.post(review_path(request_id, case_id), {"passage": key, **data})
    assert 400 <= response.status_code < 500, response.status_code
    assert "There is a problem" in response.get_data(as_text=True)
    assert review_count(app) == 0


def test_odd_ids_and_choices_answer_4xx(app: Flask, auth, world, make_heard_case) -> None:
    case_id = make_heard_case(world)
    other_case = make_heard_case(world, victim="Someone Else")
    auth.sign_in_as(world.dpo)
    request_id = log(auth, VICTIM)
    with app.app_context():
        stranger = db.session.scalar(sa.select(Person.id).where(Person.full_name == "Someone Else"))
    for values in (["p99999999999999"], ["x"], ["p0"], ["r"], [f"p{stranger}"], ["p1\x00"], []):
        response = attach(auth, request_id, values)
        assert response.status_code == 400, values
    assert links(app, request_id) == []
    attach(auth, request_id, offered(matches_page(auth, request_id)))
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    path = f"/privacy/requests/{request_id}/add-case"
    wrong_case = auth.post(
        path,
        {"reference": reference, "records": f"p{stranger}"},
        form_path=f"{path}?reference={reference}",
    )
    assert wrong_case.status_code == 400
    assert auth.client.get(f"{path}?reference=%00").status_code == 400
    assert auth.client.get(f"{path}?reference={'A' * 500}").status_code == 400
    for bad in (
        f"/privacy/requests/{request_id}/cases/{other_case}/review",
        f"/privacy/requests/{request_id}/cases/{other_case}/export.json",
        f"/privacy/requests/{request_id}/cases/{case_id}/export.xml",
        f"/privacy/requests/{request_id}/cases/{2**31}/review",
        f"/privacy/requests/{2**63}/matches",
        f"/privacy/requests/{request_id}/cases/{'9' * 400}/export.pdf",
    ):
        assert auth.client.get(bad).status_code == 404, bad
    assert subjects.resolve_choice("p" + "9" * 400) is None
