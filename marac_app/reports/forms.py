"""Forms of the reports pages: the area and quarter chooser, and the area population."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm
from marac_app.reports.services import POPULATION_MAX, POPULATION_OUT_OF_RANGE


class ChooseReturnForm(MaracForm):
    """Read from the query string (a GET form: it changes nothing, so it carries no token)."""

    class Meta:
        csrf = False

    area = SelectField(
        "MARAC area",
        coerce=str,
        validate_choice=True,
        validators=[InputRequired("Select a MARAC area")],
    )
    quarter = SelectField(
        "Quarter", coerce=str, validate_choice=False, validators=[InputRequired("Select a quarter")]
    )


def _clean(value: object) -> object:
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def whole_number(text: str | None) -> int | None:
    """ "85,000" or "85 000" → 85000; None when not a whole number."""
    digits = (text or "").replace(",", "").replace(" ", "")
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None


class PopulationForm(MaracForm):
    version = HiddenField()
    adult_women = StringField(
        "Number of adult women living in the area",
        filters=[_clean],
        validators=[InputRequired("Enter the number of adult women")],
    )
    as_of = GovukDateField("Date the figure refers to")

    def validate_adult_women(self, field: StringField) -> None:
        number = whole_number(field.data)
        if number is None:
            raise ValidationError("Number of adult women must be a whole number, like 85000")
        if not 1 <= number <= POPULATION_MAX:
            raise ValidationError(POPULATION_OUT_OF_RANGE)

    @property
    def version_number(self) -> int | None:
        """The version the form was opened at (None when absent or garbled)."""
        text = (self.version.data or "").strip()
        return int(text) if text.isdigit() and len(text) < 10 else None
