"""'Who has viewed case X' counts every read that exposed the case, through the real pages:
a research list CSV (names of every case on it), the full minutes page and a stamped PDF copy
name the case among their ``case_ids`` although their object is the meeting or the copy."""

from __future__ import annotations

from marac_app.auth.models import Role
from tests.distribution.world import DW, dw  # noqa: F401 - the approved-meeting fixture


def _viewers_page(auth, make_user, reference: str) -> str:
    dpo = make_user(Role.DPO, name="Dora Protection")
    auth.sign_in_as(dpo)
    page = auth.client.get("/audit/case-views", query_string={"reference": reference})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_list_csv_minutes_page_and_pdf_copy_are_reads_of_each_case(auth, make_user, dw: DW) -> None:
    # Each person does exactly one thing that exposes the case, and nothing else.
    auth.sign_in_as(dw.coordinator)
    csv = auth.client.get(f"/cases/meetings/{dw.meeting.id}/research-list.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    saved = auth.post(f"{dw.base}/recipients", {"people": [str(dw.rep.id)]})
    assert saved.status_code in (302, 303)
    auth.sign_out()

    auth.sign_in_as(dw.chair)
    assert auth.client.get(f"/minutes/meetings/{dw.meeting.id}/view").status_code == 200
    auth.sign_out()

    auth.sign_in_as(dw.rep)
    pdf = auth.client.get(f"{dw.base}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    auth.sign_out()

    for case in (dw.case, dw.case2):
        page = _viewers_page(auth, make_user, case.reference)
        for person in (dw.coordinator, dw.chair, dw.rep):
            assert person.name in page, (case.reference, person.name)
        auth.sign_out()


def test_a_person_who_read_nothing_is_not_listed(auth, make_user, dw: DW) -> None:
    auth.sign_in_as(dw.chair)
    assert auth.client.get(f"/minutes/meetings/{dw.meeting.id}/view").status_code == 200
    auth.sign_out()
    page = _viewers_page(auth, make_user, dw.case.reference)
    assert dw.chair.name in page
    assert dw.rep.name not in page and dw.coordinator.name not in page
