"""The status page of a background job: polled without a full-page refresh, announced through
an aria-live region."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marac_app.jobs.permissions import get_job_or_404
from marac_app.jobs.services import title_of
from marac_app.permissions import signed_in

bp = Blueprint("jobs", __name__)


@bp.route("/<string:public_id>")
@signed_in
def status_page(public_id: str) -> ResponseReturnValue:
    job = get_job_or_404(public_id, current_user)
    return render_template("jobs/status.html", job=job, title_of_job=title_of(job.kind))


@bp.route("/<string:public_id>/status.json")
@signed_in
def status_json(public_id: str) -> ResponseReturnValue:
    job = get_job_or_404(public_id, current_user)
    return jsonify(
        status=job.status.value,
        label=job.status.label,
        finished=job.status.finished,
        message=job.message,
        result_url=job.result_url,
    )
