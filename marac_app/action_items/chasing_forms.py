"""Forms for points of contact, "Chase this agency now" and the non-completion report."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, SelectMultipleField
from wtforms.validators import Optional

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm, coerce_id


class PointsOfContactForm(MaracForm):
    area_id = HiddenField()
    contacts = SelectMultipleField(
        "Points of contact", coerce=coerce_id, validate_choice=False, validators=[Optional()]
    )


class ChaseForm(MaracForm):
    """A button: the CSRF token is its only field."""


class NonCompletionForm(MaracForm):
    """A GET form (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    start = GovukDateField("The start of the period")
    end = GovukDateField("The end of the period")
    area = SelectField(
        "MARAC area", coerce=coerce_id, validate_choice=False, validators=[Optional()]
    )
    format = HiddenField()
