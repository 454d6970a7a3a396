"""The statistics page, the CSV and XLSX downloads, the population form and who may see them."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from marac_app.audit import AuditEvent
from marac_app.extensions import db
from marac_app.reports import services
from marac_app.reports.models import AreaPopulation
from tests.reports.test_services import EXPECTED_M1, EXPECTED_M2

Q1 = "2026-Q1"


def page(client, world, quarter: str = Q1, area=None):
    area_id = (area or world.area).id
    return client.get(f"/reports/?area={area_id}&quarter={quarter}")


def expected_cells(expected: dict[str, object]) -> list[str]:
    cells = []
    for key, _ in services.COLUMNS:
        value = expected[key]
        cells.append(
            ""
            if value is None
            else value.isoformat()
            if hasattr(value, "isoformat")
            else str(value)
        )
    return cells


def shown(value: object) -> str:
    return "Not recorded" if value is None else str(value)


def measure_cells(html: str, key: str) -> list[str]:
    """The cells of one measure's row of the page's return table (a column per meeting)."""
    row = re.search(rf'data-measure="{key}">(.*?)</tr>', html, flags=re.S).group(1)
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)


def test_statistics_page_shows_the_return_table(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    response = page(client, quarter_world)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = html[
        html.index('id="data-return"') : html.index("</table>", html.index('id="data-return"'))
    ]
    assert "<caption" in table and "a column for each meeting" in table
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table) == [
        "Measure",
        "15 January 2026",
        "20 March 2026",
        "Quarter total",
    ]
    assert table.count('<th scope="row"') == len(services.COLUMNS) - 1
    for key, _ in services.COLUMNS[1:]:
        assert measure_cells(table, key) == [
            shown(EXPECTED_M1[key]),
            shown(EXPECTED_M2[key]),
            shown(services.totals(the_rows(client, quarter_world))[key]),
        ], key
    # Never recorded on 20 March → "Not recorded", not 0; recorded and none on 15 January → 0.
    assert measure_cells(table, "minoritised") == ["0", "Not recorded", "0"]
    assert "Victims LGBT+: not recorded for 1 of 3 cases" in html


def the_rows(client, world) -> list[services.ReturnRow]:
    from marac_app.agencies.models import MaracArea

    with client.application.app_context():
        return services.data_return(db.session.get(MaracArea, world.area.id), 2026, 1)


def test_charts_are_inline_svg_without_scripts(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    html = page(client, quarter_world).get_data(as_text=True)
    assert "<script" not in html.lower().split("</footer>")[0].split("<main")[1]
    svgs = re.findall(r"<svg[^>]*>", html)
    charts = [s for s in svgs if 'role="img"' in s and "aria-labelledby" in s]
    assert len(charts) >= 3
    assert '<title id="chart-cases-title">' in html and '<desc id="chart-cases-desc">' in html
    assert 'id="trend-table"' in html
    # No population yet: a prompt instead of a number.
    assert "Set the population to see cases per 10,000" in html
    assert 'id="chart-per-10000"' not in html


def test_the_page_has_no_script_from_this_feature(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    html = page(client, quarter_world).get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    assert "<script" not in main.lower()
    assert " style=" not in main


def test_per_10000_with_a_population(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    url = f"/reports/areas/{quarter_world.area.id}/population"
    response = auth.post(
        url,
        {
            "adult_women": "10,000",
            "as_of-day": "30",
            "as_of-month": "6",
            "as_of-year": "2025",
            "version": "",
        },
    )
    assert response.status_code == 302
    html = page(client, quarter_world).get_data(as_text=True)
    # 5 cases in the quarter × 4 ÷ 10,000 × 10,000 = 20.0 a year.
    per = html[html.index('id="per-10000"') :]
    assert re.match(r'id="per-10000">\s*20\.0 ', per)
    assert "Set the population to see cases per 10,000" not in html
    assert 'aria-labelledby="chart-per-10000-title chart-per-10000-desc"' in html
    assert "Recommended: 40" in html
    with client.application.app_context():
        saved = db.session.scalar(
            sa.select(AreaPopulation).where(AreaPopulation.area_id == quarter_world.area.id)
        )
        assert saved.adult_women == 10_000


def test_population_form_errors_and_stale_version(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    url = f"/reports/areas/{quarter_world.area.id}/population"
    bad = auth.post(
        url,
        {"adult_women": "lots <b>", "as_of-day": "31", "as_of-month": "2", "as_of-year": "2025"},
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Number of adult women must be a whole number" in text
    assert "must be a real date" in text
    assert "lots &lt;b&gt;" in text  # re-shown, escaped
    empty = auth.post(
        url, {"adult_women": "", "as_of-day": "", "as_of-month": "", "as_of-year": ""}
    )
    assert empty.status_code == 400
    assert "Enter the number of adult women" in empty.get_data(as_text=True)
    ok = auth.post(
        url,
        {
            "adult_women": "5000",
            "as_of-day": "1",
            "as_of-month": "1",
            "as_of-year": "2025",
            "version": "",
        },
    )
    assert ok.status_code == 302
    stale = auth.post(
        url,
        {
            "adult_women": "6000",
            "as_of-day": "1",
            "as_of-month": "1",
            "as_of-year": "2025",
            "version": "",
        },
    )
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Saved figure: 5000" in body and "Your figure: 6000" in body
    version = re.search(r'name="version" value="(\d+)"', body).group(1)
    again = auth.post(
        url,
        {
            "adult_women": "6000",
            "as_of-day": "1",
            "as_of-month": "1",
            "as_of-year": "2025",
            "version": version,
        },
    )
    assert again.status_code == 302


def test_csv_download_matches_the_return(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    response = client.get(f"/reports/return.csv?area={quarter_world.area.id}&quarter={Q1}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][: len(services.COLUMNS)] == [h for _, h in services.COLUMNS]
    assert rows[0][-1] == "Notes"
    assert rows[1][:-1] == expected_cells(EXPECTED_M1)
    assert rows[2][:-1] == expected_cells(EXPECTED_M2)
    assert "Victims LGBT+: not recorded for 1 of 3 cases" in rows[1][-1]
    assert len(rows) == 3


def test_xlsx_reads_back_with_the_same_values(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    response = client.get(f"/reports/return.xlsx?area={quarter_world.area.id}&quarter={Q1}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
    headings = [c.value for c in sheet[4]]
    assert headings == [h for _, h in services.COLUMNS] + ["Notes"]
    for row_number, expected in ((5, EXPECTED_M1), (6, EXPECTED_M2)):
        cells = [c.value for c in sheet[row_number]][: len(services.COLUMNS)]
        got = dict(zip([k for k, _ in services.COLUMNS], cells, strict=True))
        assert isinstance(got["meeting_date"], datetime)
        got["meeting_date"] = got["meeting_date"].date()
        assert got == expected
    assert (
        sheet.cell(row=6, column=[k for k, _ in services.COLUMNS].index("minoritised") + 1).value
        is None
    )  # blank, not 0
    assert sheet.max_row == 6


def test_downloads_are_formula_safe(app) -> None:
    from marac_app.reports.exports import return_xlsx

    body = return_xlsx([], area_name="=cmd|' /C calc'!A0", quarter=services.Quarter(2026, 1))
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].value.startswith("SafeLives")  # the area name is not a cell start
    assert sheet["A2"].data_type == "s"


def test_downloads_and_views_are_audited_with_ids_only(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    page(client, quarter_world)
    client.get(f"/reports/return.xlsx?area={quarter_world.area.id}&quarter={Q1}")
    with client.application.app_context():
        events = list(
            db.session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.action.in_(["data_return_viewed", "data_return_downloaded"]),
                    AuditEvent.object_id == str(quarter_world.area.id),
                )
            )
        )
    assert {e.action for e in events} == {"data_return_viewed", "data_return_downloaded"}
    for event in events:
        assert event.detail.startswith("quarter=2026-Q1 meetings=2")
        assert quarter_world.area.name not in event.detail


def test_default_quarter_and_bad_quarter(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    response = client.get("/reports/")
    assert response.status_code == 200
    assert "Statistics and SafeLives data return" in response.get_data(as_text=True)
    for bad in ("2026-Q9", "<script>alert(1)</script>", "2999-Q1"):
        response = client.get(f"/reports/?quarter={bad}")
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "Select a quarter from the list" in text
        assert "<script>alert" not in text
    assert client.get("/reports/return.csv?quarter=2026-Q9").status_code == 400


@pytest.mark.parametrize("who", ["rep", "dpo"])
def test_representatives_and_dpo_are_refused(auth, client, quarter_world, who) -> None:
    auth.sign_in_as(getattr(quarter_world, who))
    area = quarter_world.area.id
    for url in (
        f"/reports/?area={area}&quarter={Q1}",
        f"/reports/return.csv?area={area}&quarter={Q1}",
        f"/reports/return.xlsx?area={area}&quarter={Q1}",
        f"/reports/areas/{area}/population",
    ):
        assert client.get(url).status_code == 403, url


def test_other_areas_answer_404(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.other_coordinator)
    area = quarter_world.area.id
    for url in (
        f"/reports/?area={area}&quarter={Q1}",
        f"/reports/return.csv?area={area}&quarter={Q1}",
        f"/reports/return.xlsx?area={area}&quarter={Q1}",
        f"/reports/areas/{area}/population",
        "/reports/?area=999999",
        "/reports/?area=abc",
    ):
        assert client.get(url).status_code == 404, url
    response = auth.post(
        f"/reports/areas/{area}/population",
        {"adult_women": "1", "as_of-day": "1", "as_of-month": "1", "as_of-year": "2025"},
        form_path=f"/reports/areas/{quarter_world.other_area.id}/population",
    )
    assert response.status_code == 404
    # Their own area shows its own quarter: the one meeting held there.
    own = client.get(f"/reports/?quarter={Q1}")
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert "12 February 2026" in html and "15 January 2026" not in html
    empty = client.get("/reports/?quarter=2025-Q3").get_data(as_text=True)
    assert "No meetings were held" in empty


def test_chair_reads_but_does_not_set_the_population(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.chair)
    assert page(client, quarter_world).status_code == 200
    assert (
        client.get(f"/reports/return.csv?area={quarter_world.area.id}&quarter={Q1}").status_code
        == 200
    )
    assert client.get(f"/reports/areas/{quarter_world.area.id}/population").status_code == 404


def test_admin_chooses_any_area(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.admin)
    response = page(client, quarter_world)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<select class="govuk-select" id="area" name="area"' in html
    assert client.get(f"/reports/areas/{quarter_world.other_area.id}/population").status_code == 200


def test_coordinator_sees_reports_in_navigation(auth, client, quarter_world) -> None:
    auth.sign_in_as(quarter_world.coordinator)
    assert 'href="/reports/"' in client.get("/").get_data(as_text=True)
