"""Forms of the reports pages: the area and quarter chooser, and the area population."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from marac_app.protocol.forms import DateParts


class ChooseReturnForm(FlaskForm):
    """Read from the query string (a GET form: it changes nothing, so it carries no token)."""

    class Meta:
        csrf = False

    area = SelectField("MARAC area", coerce=str, validate_choice=True,
                       validators=[InputRequired("Select a MARAC area")])
    quarter = SelectField("Quarter", coerce=str, validate_choice=False,
                          validators=[InputRequired("Select a quarter")])


def _digits_only(value: object) -> object:
    if isinstance(value, str):
        return value.replace("\x00", "").replace(",", "").replace(" ", "").strip()
    return value


class PopulationForm(FlaskForm):
    version = HiddenField()
    adult_women = StringField("Number of adult women living in the area",
                              filters=[_digits_only],
                              validators=[InputRequired("Enter the number of adult women")])
    as_of = DateParts("Date the figure refers to")

    def validate_adult_women(self, field: StringField) -> None:
        text = field.data or ""
        if not text.isascii() or not text.isdigit():
            raise ValidationError("Number of adult women must be a whole number, like 85000")
        if not 1 <= int(text) <= 10_000_000:
            raise ValidationError("Number of adult women must be between 1 and 10,000,000")

    @property
    def version_number(self) -> int | None:
        """The version the form was opened at (None when absent or garbled)."""
        text = (self.version.data or "").strip()
        return int(text) if text.isdigit() and len(text) < 10 else None
