"""The referral records whether the victim was referred to another MARAC before, where and
when (a date, or a month): validated with the text re-shown, 4xx never 500."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from marac_app.extensions import db
from marac_app.referrals.models import PreviousMarac, Referral
from tests.referrals.conftest import ref_world  # noqa: F401 - the referral world (fixture)
from tests.referrals.test_views import form_data


def saved(app, area_id: int) -> Referral:
    with app.app_context():
        referral = db.session.scalars(sa.select(Referral).where(Referral.area_id == area_id)).one()
        db.session.expunge(referral)
        return referral


def previous(day: str, month: str, year: str, **extra: str) -> dict[str, str]:
    return {
        "previous_marac": "yes",
        "previous_marac_where": "Northshire MARAC",
        "previous_marac_on-day": day,
        "previous_marac_on-month": month,
        "previous_marac_on-year": year,
        **extra,
    }


def test_yes_with_where_and_a_month_is_saved_and_shown(app, ref_world, auth) -> None:  # noqa: F811
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post("/cases/new", form_data(ref_world.agency.id, **previous("", "3", "2025")))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    referral = saved(app, ref_world.area.id)
    assert referral.previous_marac == PreviousMarac.YES
    assert referral.previous_marac_where == "Northshire MARAC"
    assert referral.previous_marac_on == date(2025, 3, 1) and referral.previous_marac_month_only
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Referred to another MARAC before" in page
    assert "Yes, Northshire MARAC, March 2025" in page
    edit = auth.client.get(f"/cases/referrals/{referral.id}/edit").get_data(as_text=True)
    assert 'name="previous_marac_on-month" type="text" value="3"' in edit or 'value="3"' in edit


def test_a_full_date_and_no_or_not_known(app, ref_world, auth) -> None:  # noqa: F811
    auth.sign_in_as(ref_world.coordinator)
    response = auth.post(
        "/cases/new", form_data(ref_world.agency.id, **previous("14", "2", "2024"))
    )
    assert response.status_code == 302
    referral = saved(app, ref_world.area.id)
    assert referral.previous_marac_on == date(2024, 2, 14)
    assert not referral.previous_marac_month_only


def test_not_known_keeps_no_where_or_when(app, ref_world, auth) -> None:  # noqa: F811
    auth.sign_in_as(ref_world.coordinator)
    data = form_data(ref_world.agency.id, **previous("1", "1", "2024", previous_marac="not_known"))
    assert auth.post("/cases/new", data).status_code == 302
    referral = saved(app, ref_world.area.id)
    assert referral.previous_marac == PreviousMarac.NOT_KNOWN
    assert referral.previous_marac_where is None and referral.previous_marac_on is None


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("31", "2", "2025"), "must be a real date"),
        (("", "13", "2025"), "must be a real date"),
        (("1", "1", "25"), "must include 4 numbers"),
        (("1", "1", "2999"), "must be today or in the past"),
        (("x", "\u0661", "99999999999999999999"), ""),
    ],
)
def test_bad_dates_are_refused_with_the_text_shown_again(
    app,
    ref_world,  # noqa: F811
    auth,
    parts: tuple[str, str, str],
    message: str,
) -> None:
    auth.sign_in_as(ref_world.coordinator)
    data = form_data(ref_world.agency.id, victim_name="Kept Victim-Name", **previous(*parts))
    response = auth.post("/cases/new", data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "Kept Victim-Name" in body and "Northshire MARAC" in body
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


def test_yes_needs_where_and_a_known_answer(ref_world, auth) -> None:  # noqa: F811
    auth.sign_in_as(ref_world.coordinator)
    where = auth.post(
        "/cases/new",
        form_data(ref_world.agency.id, **previous("", "", "", previous_marac_where="")),
    )
    assert where.status_code == 400
    assert "Enter which MARAC the victim was referred to before" in where.get_data(as_text=True)
    odd = auth.post("/cases/new", form_data(ref_world.agency.id, previous_marac="maybe"))
    assert odd.status_code == 400
    assert "Select yes, no or not known" in odd.get_data(as_text=True)
