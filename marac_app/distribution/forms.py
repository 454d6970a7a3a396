"""Forms for distributing the minutes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField


def _coerce_optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class RecipientsForm(FlaskForm):
    """The people who receive the minutes (unticking someone removes them)."""

    people = SelectMultipleField("Who should receive the minutes?",
                                 coerce=_coerce_optional_int, validate_choice=False)
