"""Forms for distributing the minutes."""

from __future__ import annotations

from wtforms import SelectMultipleField

from marac_app.common.forms import MaracForm, coerce_id


class RecipientsForm(MaracForm):
    """The people who receive the minutes (unticking someone removes them)."""

    people = SelectMultipleField(
        "Who should receive the minutes?", coerce=coerce_id, validate_choice=False
    )
