"""Changing the MARAC area a person is working in (issue 15), mounted on the auth blueprint
by ``register(bp)`` (called from ``marac_app.auth.views``).

- ``working_area`` (GET) lists the areas the person works in, the current one chosen.
- ``working_area`` (POST, CSRF) makes another of them current, audited. An area that is not
  one of theirs is 404, like any other tenant's object. From then on they see only that
  area's pages, as a one-area person of that area does (every check reads ``area_id``).
- ``working_area_choice()`` in templates: the current area and whether there is another to
  change to, for the "Working in: … · Change area" line of the header.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import RadioField
from wtforms.validators import InputRequired

from marac_app.agencies.models import MaracArea
from marac_app.auth import areas
from marac_app.auth.models import User
from marac_app.common.forms import MaracForm, coerce_id
from marac_app.common.transaction import attempt
from marac_app.permissions import fetch_or_404, signed_in


class WorkingAreaForm(MaracForm):
    # validate_choice off: an id that is not one of the person's areas is a 404 (below),
    # the same answer as for any other tenant's object, not a form error.
    area = RadioField(
        "Which MARAC area are you working in?",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired("Select the MARAC area you are working in")],
    )


def working_area() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    form = WorkingAreaForm()
    choices = areas.member_areas(user)
    form.area.choices = [(a.id, a.name) for a in choices]
    if request.method == "GET":
        form.area.data = user.area_id
    if form.validate_on_submit():
        area = fetch_or_404(
            MaracArea,
            form.area.data,
            allowed=lambda a: a.id in areas.member_area_ids(user),
            kind="marac_area",
        )
        switched = attempt(lambda: areas.switch_area(user, area, actor=user), form)
        if switched:
            flash(f"You are now working in {area.name} MARAC.")
            return redirect(url_for("main.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/working_area.html", form=form, areas=choices), status


def working_area_choice() -> dict[str, Any] | None:
    """The area the signed-in person is working in and whether they have another, or None
    for people of no area or of one."""
    if not current_user.is_authenticated or current_user.area_id is None:
        return None
    if not areas.other_area_ids(current_user):
        return None
    return {"area": current_user.area}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/account/area", view_func=signed_in(working_area), methods=["GET", "POST"])
    bp.app_context_processor(_context)


def _context() -> dict[str, Any]:
    return {"working_area_choice": working_area_choice}
