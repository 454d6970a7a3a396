"""Returns are kept with the case: the DPO's subject-request review lists their items for
a request about the person (never "not shared, because"), and deleting the case deletes
them; retention names them in plain words."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from marac_app.extensions import db
from marac_app.privacy import retention, review
from marac_app.privacy.models import SubjectRequestCase, SubjectRole
from marac_app.privacy.retention_preview import RECORD_WORDS
from marac_app.referrals.models import Case
from marac_app.research.models import ResearchReturn, ResearchReturnItem
from tests.conftest import Auth
from tests.research.conftest import WITHHELD, ResearchWorld, return_data, submit_return

ITEMS = (
    ("victim", "fact", "<p>VICTIM-FACT seen at A&amp;E</p>"),
    ("perpetrator", "professional_opinion", "<p>PERP-OPINION controlling</p>"),
)


def test_subject_review_lists_the_items_about_the_person_only(
    app: Flask, auth: Auth, rw: ResearchWorld
) -> None:
    assert (
        submit_return(auth, rw, rw.police_rep, return_data(*ITEMS, withheld=WITHHELD)).status_code
        == 302
    )
    with app.app_context():
        case = db.session.get(Case, rw.case.id)
        victim = review.passages_for(SubjectRequestCase(subject_role=SubjectRole.VICTIM), case)
        perpetrator = review.passages_for(
            SubjectRequestCase(subject_role=SubjectRole.PERPETRATOR), case
        )
        texts = [p.text for p in victim if p.section == "Research return"]
        assert texts == ["VICTIM-FACT seen at A&E"]
        assert [p.text for p in perpetrator if p.section == "Research return"] == [
            "PERP-OPINION controlling"
        ]
        assert all("WITHHELD" not in p.text for p in victim + perpetrator)


def test_deleting_the_case_deletes_its_returns(app: Flask, auth: Auth, rw: ResearchWorld) -> None:
    assert {"research_return", "research_return_item"} <= set(RECORD_WORDS)
    assert {"research_return", "research_return_item"} <= set(retention.dependency_report())
    assert submit_return(auth, rw, rw.police_rep, return_data(*ITEMS)).status_code == 302
    with app.app_context():
        retention.purge_case(rw.case.id)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResearchReturn)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResearchReturnItem)) == 0
