"""Reports pages: the statistics page with the SafeLives data return, its CSV and XLSX
downloads, and the area population setting.

Access: coordinators (own area), chairs (own area, read only) and admins (any area); see
``reports.permissions``. Every view of the return is audited with ids and counts only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from marac_app.agencies.models import MaracArea
from marac_app.audit_actions import AuditAction
from marac_app.common.ids import parse_id
from marac_app.common.time import london_today
from marac_app.common.transaction import Read, attempt, audit_read, render_read
from marac_app.extensions import db
from marac_app.permissions import is_admin, roles_required
from marac_app.reports import services
from marac_app.reports.charts import bar_chart
from marac_app.reports.exports import return_csv, return_xlsx
from marac_app.reports.forms import ChooseReturnForm, PopulationForm, whole_number
from marac_app.reports.permissions import (
    REPORT_ROLES,
    can_set_population,
    get_population_area_or_404,
    get_report_area_or_404,
)
from marac_app.reports.quarters import Quarter, recent_quarters

bp = Blueprint("reports", __name__)

report_roles = roles_required(*REPORT_ROLES)
TREND_QUARTERS = 8
CHOOSABLE_QUARTERS = 16


def _areas_for(user: Any) -> list[MaracArea]:
    if is_admin(user):
        return list(db.session.scalars(sa.select(MaracArea).order_by(MaracArea.name)))
    area = db.session.get(MaracArea, user.area_id) if user.area_id else None
    return [area] if area is not None else []


def _choose() -> tuple[ChooseReturnForm, MaracArea | None, Quarter | None]:
    """The area and quarter asked for in the query string.

    Another area's id → 404 (audited); a quarter not offered → the form carries the error.
    Default: the user's own area (an admin: the first area) and the last complete quarter.
    """
    form = ChooseReturnForm(request.args)
    areas = _areas_for(current_user)
    form.area.choices = [SelectChoice(str(a.id), a.name) for a in areas]
    quarters = recent_quarters(london_today(), CHOOSABLE_QUARTERS)
    form.quarter.choices = [SelectChoice(q.key, q.label) for q in quarters]
    requested_area = request.args.get("area", "").strip()
    if requested_area:
        area_id = parse_id(requested_area) or -1
        area: MaracArea | None = get_report_area_or_404(area_id, current_user)
    else:
        area = areas[0] if areas else None
        if area is not None:
            get_report_area_or_404(area.id, current_user)
    form.area.data = str(area.id) if area is not None else ""
    if area is None:
        form.form_errors.append("Your account has no MARAC area. Ask an administrator to add one")
        return form, None, None
    if not request.args.get("quarter"):
        form.quarter.data = quarters[1].key  # the last complete quarter
        return form, area, quarters[1]
    try:
        chosen = Quarter.parse(form.quarter.data or "")
    except ValueError:
        chosen = None
    if chosen is None or chosen > quarters[0]:
        form.quarter.errors = ["Select a quarter from the list"]
        form.quarter.data = quarters[1].key
        return form, area, None
    if chosen not in quarters:  # an older quarter asked for by address: offer it too
        form.quarter.choices.append(SelectChoice(chosen.key, chosen.label))
    return form, area, chosen


def _series(summaries: list[services.QuarterSummary]) -> dict[str, Any]:
    labels = [s.quarter.short_label for s in summaries]

    def rounded(values: list[float | None]) -> list[float | None]:
        return [None if v is None else services.round_half_up(v) for v in values]

    return {
        "labels": labels,
        "cases": [s.cases for s in summaries],
        "per_10000": rounded([s.per_10000_annualised for s in summaries]),
        "repeat_rate": rounded([s.repeat_rate for s in summaries]),
        "non_police": rounded([s.non_police_share for s in summaries]),
    }


def _charts(series: dict[str, Any], area: MaracArea, has_population: bool) -> dict[str, Any]:
    labels = series["labels"]
    period = f"{labels[0]} to {labels[-1]}" if labels else ""
    charts: dict[str, Any] = {
        "cases": bar_chart(
            chart_id="chart-cases",
            title=f"Cases discussed per quarter, {area.name}",
            description=f"Bar chart of cases discussed in each quarter from {period}. "
            "The same numbers are in the table below.",
            labels=labels,
            values=series["cases"],
        ),
        "repeat_rate": bar_chart(
            chart_id="chart-repeat",
            title=f"Repeat rate per quarter, {area.name}",
            description=f"Bar chart of repeat cases as a percentage of cases discussed, "
            f"{period}. No data where no cases were discussed.",
            labels=labels,
            values=series["repeat_rate"],
            unit="%",
        ),
        "non_police": bar_chart(
            chart_id="chart-non-police",
            title=f"Share of referrals from agencies other than the police, {area.name}",
            description=f"Bar chart of the percentage of referrals made by agencies other "
            f"than the police, {period}.",
            labels=labels,
            values=series["non_police"],
            unit="%",
        ),
    }
    if has_population:
        charts["per_10000"] = bar_chart(
            chart_id="chart-per-10000",
            title=f"Cases per 10,000 adult women a year, {area.name}",
            description=f"Bar chart of each quarter's cases discussed, annualised (times 4), "
            f"per 10,000 adult women, {period}, with a dashed reference line at "
            f"SafeLives' recommended {services.RECOMMENDED_PER_10000} a year.",
            labels=labels,
            values=series["per_10000"],
            reference=services.RECOMMENDED_PER_10000,
            reference_label=f"Recommended: {services.RECOMMENDED_PER_10000}",
        )
    return charts


@bp.route("/")
@report_roles
def index() -> ResponseReturnValue:
    form, area, quarter = _choose()
    if area is None or quarter is None:
        return render_template("reports/index.html", form=form, area=area, quarter=None), 400
    population = services.population_for(area.id)
    adult_women = population.adult_women if population else None
    rows = services.quarter_return(area.id, quarter)
    summaries = services.trend(area.id, quarter, TREND_QUARTERS, adult_women)
    series = _series(summaries)
    return render_read(
        "reports/index.html",
        audit=Read(
            AuditAction.DATA_RETURN_VIEWED,
            object_type="marac_area",
            object_id=area.id,
            detail=f"quarter={quarter.key} meetings={len(rows)}",
        ),
        form=form,
        area=area,
        quarter=quarter,
        rows=rows,
        totals=services.totals(rows),
        columns=services.COLUMNS,
        summary=summaries[-1],
        summaries=summaries,
        series=series,
        population=population,
        charts=_charts(series, area, population is not None),
        recommended=services.RECOMMENDED_PER_10000,
        can_set_population=can_set_population(current_user, area),
    )


def _download(kind: str) -> tuple[MaracArea, Quarter, list[services.ReturnRow]]:
    form, area, quarter = _choose()
    if area is None or quarter is None:
        abort(400)
    rows = services.quarter_return(area.id, quarter)
    audit_read(
        Read(
            AuditAction.DATA_RETURN_DOWNLOADED,
            object_type="marac_area",
            object_id=area.id,
            detail=f"quarter={quarter.key} meetings={len(rows)} format={kind}",
        )
    )
    return area, quarter, rows


def _attachment(
    body: bytes, mimetype: str, area: MaracArea, quarter: Quarter, extension: str
) -> Response:
    response = Response(body, mimetype=mimetype)
    code = "".join(c for c in area.code if c.isalnum()) or str(area.id)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="safelives-return-{code}-{quarter.key}.{extension}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/return.csv")
@report_roles
def return_csv_download() -> ResponseReturnValue:
    area, quarter, rows = _download("csv")
    return _attachment(return_csv(rows), "text/csv", area, quarter, "csv")


@bp.route("/return.xlsx")
@report_roles
def return_xlsx_download() -> ResponseReturnValue:
    area, quarter, rows = _download("xlsx")
    body = return_xlsx(rows, area_name=area.name, quarter=quarter)
    return _attachment(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        area,
        quarter,
        "xlsx",
    )


@bp.route("/areas/<int:area_id>/population", methods=["GET", "POST"])
@roles_required(*REPORT_ROLES)
def population(area_id: int) -> ResponseReturnValue:
    area = get_population_area_or_404(area_id, current_user)
    saved = services.population_for(area.id)
    form = PopulationForm()
    if request.method == "GET" and saved is not None:
        form = PopulationForm(
            data={
                "adult_women": str(saved.adult_women),
                "as_of": saved.as_of,
                "version": str(saved.version),
            }
        )
    status = 200
    conflict: dict[str, Any] | None = None
    if request.method == "POST":
        status = 400
        as_of = form.as_of.data
        if form.validate_on_submit() and as_of is not None:
            saved_now = attempt(
                lambda: services.set_population(
                    area,
                    adult_women=whole_number(form.adult_women.data) or 0,
                    as_of=as_of,
                    version=form.version_number,
                    actor=current_user,
                ),
                form,
            )
            if saved_now:
                flash(f"The population of {area.name} has been saved.")
                return redirect(url_for("reports.index", area=area.id))
            if saved_now.conflict:
                latest = services.population_for(area.id)
                conflict = {"saved": latest}
                form.version.data = str(latest.version) if latest else ""
                status = 409
    return render_template(
        "reports/population.html", form=form, area=area, saved=saved, conflict=conflict
    ), status
