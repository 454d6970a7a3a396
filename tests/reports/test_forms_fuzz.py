"""Random input to the reports forms: a clear 4xx or a save, never a server error."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.text(max_size=200)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _sign_in(auth, client, user) -> None:
    if not client.get_cookie("marac_session"):
        auth.sign_in_as(user)


@SETTINGS
@given(number=TEXT, day=TEXT, month=TEXT, year=TEXT, version=TEXT)
def test_population_form_never_fails(
    auth, client, report_world, number, day, month, year, version
) -> None:
    _sign_in(auth, client, report_world.coordinator)
    response = auth.post(
        f"/reports/areas/{report_world.area.id}/population",
        {
            "adult_women": number,
            "as_of-day": day,
            "as_of-month": month,
            "as_of-year": year,
            "version": version,
        },
    )
    assert response.status_code in (302, 400, 409), response.status_code


@SETTINGS
@given(quarter=TEXT, area=TEXT)
def test_chooser_never_fails(auth, client, report_world, quarter, area) -> None:
    _sign_in(auth, client, report_world.coordinator)
    query = urlencode({"quarter": quarter, "area": area})
    for path in ("/reports/", "/reports/return.csv", "/reports/return.xlsx"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400, 404), (path, response.status_code)
