"""The one GOV.UK date input of the app: three boxes read into a ``date``, one set of messages.

A date is typed as three boxes named ``<name>-day``, ``<name>-month`` and ``<name>-year`` (what
the GOV.UK ``govukDateInput`` component posts with ``namePrefix``; rendered by ``date_input`` in
templates/macros/form.html). ``read_date_parts`` turns what was typed into a date or into one of
the GOV.UK messages, where "<Label>" is the field's label as the subject of a sentence:

- nothing typed, when a date is required: "Enter the <label>" (or the field's own message);
- a box left empty: "<Label> must include a month" ("… a day and year");
- letters, signs, more than two numbers for a day or month, 30 February: "<Label> must be a
  real date";
- a year that is not 4 numbers (2026 typed as 26, or 20260): "Year in <label> must include 4
  numbers";
- a date after today (in London) where it may not be: "<Label> must be today or in the past"
  (``not_in_future``) or "<Label> must be in the past" (``past``);
- a year outside ``min_year``–``max_year``: "<Label> must be in <min_year> or later" / "… in
  <max_year> or earlier".

Whatever is posted (huge numbers, NUL, other scripts' digits) ends in one of these messages,
never an exception. Control characters are refused before this by the form base
(marac_app/common/forms.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from marac_app.common.time import london_today

DATE_PARTS = ("day", "month", "year")
# Wide enough for every date this app records (dates of birth, protocol reviews), narrow enough
# that a mistyped year is caught.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


@dataclass(frozen=True)
class DateReading:
    """What three boxes said: ``value`` (None when blank or refused), the ``error`` message or
    None, and the ``part`` ("day", "month" or "year") the error is about, for focus."""

    value: date | None
    error: str | None = None
    part: str = "day"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(text: str, longest: int) -> int | None:
    """A whole number of at most ``longest`` ASCII digits (never "²", "١" or "-1")."""
    if text.isascii() and text.isdigit() and len(text) <= longest:
        return int(text)
    return None


def read_date_parts(
    parts: Mapping[str, str],
    label: str,
    *,
    required: bool = True,
    required_message: str | None = None,
    past: bool = False,
    not_in_future: bool = False,
    min_year: int = EARLIEST_YEAR,
    max_year: int = LATEST_YEAR,
    today: date | None = None,
) -> DateReading:
    """Read a GOV.UK date input (``parts`` maps "day", "month", "year" to what was typed).

    ``label`` names the date as the subject of the messages ("Date signed", "The due date").
    Returns the date, or no date and no error when nothing was typed and none is required, or
    no date and the message (see the module docstring). ``today`` defaults to London's today.
    """
    typed = {part: str(parts.get(part) or "").strip() for part in DATE_PARTS}
    subject = _upper_first(label)
    if not any(typed.values()):
        if not required and not required_message:
            return DateReading(None)
        noun = _lower_first(label).removeprefix("the ")
        return DateReading(None, required_message or f"Enter the {noun}")
    missing = [part for part in DATE_PARTS if not typed[part]]
    if missing:
        return DateReading(None, f"{subject} must include a {' and '.join(missing)}", missing[0])
    day, month = _number(typed["day"], 2), _number(typed["month"], 2)
    year_digits = typed["year"].isascii() and typed["year"].isdigit()
    if day is None or month is None or not year_digits:
        part = "day" if day is None else "month" if month is None else "year"
        return DateReading(None, f"{subject} must be a real date", part)
    if len(typed["year"]) != 4:
        return DateReading(None, f"Year in {_lower_first(label)} must include 4 numbers", "year")
    try:
        value = date(int(typed["year"]), month, day)
    except ValueError:  # 30 February, month 13, day 0
        return DateReading(None, f"{subject} must be a real date")
    today = today or london_today()
    if past and value >= today:
        return DateReading(None, f"{subject} must be in the past")
    if not_in_future and value > today:
        return DateReading(None, f"{subject} must be today or in the past")
    if value.year < min_year:
        return DateReading(None, f"{subject} must be in {min_year} or later", "year")
    if value.year > max_year:
        return DateReading(None, f"{subject} must be in {max_year} or earlier", "year")
    return DateReading(value)


def date_parts(value: date | None) -> dict[str, str]:
    """The three boxes showing ``value`` (empty boxes for None)."""
    if value is None:
        return dict.fromkeys(DATE_PARTS, "")
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


class GovukDateField(Field):
    """A GOV.UK date input as one WTForms field: posted as ``<name>-day``, ``-month``, ``-year``.

    ``data`` is a ``date`` or None; ``parts`` keeps what was typed, so a refused form shows it
    again; ``error_anchor`` is the id of the box the error summary links to. Limits and
    messages: ``read_date_parts``. A date is required unless ``required=False``.
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Sequence[Any] | None = None,
        *,
        required: bool = True,
        required_message: str | None = None,
        past: bool = False,
        not_in_future: bool = False,
        min_year: int = EARLIEST_YEAR,
        max_year: int = LATEST_YEAR,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.required_message = required_message
        self.past = past
        self.not_in_future = not_in_future
        self.min_year = min_year
        self.max_year = max_year
        self.parts: dict[str, str] = date_parts(None)
        self.error_part = "day"
        self._problem: str | None = None

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors: list[str] = []
        self._problem = None
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.set_date(data if isinstance(data, date) else None)
        if formdata is None or not any(f"{self.name}-{p}" in formdata for p in DATE_PARTS):
            return
        # What was typed is kept to show again; 10 characters are more than any real box holds.
        self.parts = {
            p: str(formdata.get(f"{self.name}-{p}") or "").strip()[:10] for p in DATE_PARTS
        }
        reading = read_date_parts(
            self.parts,
            str(self.label.text),
            required=self.required,
            required_message=self.required_message,
            past=self.past,
            not_in_future=self.not_in_future,
            min_year=self.min_year,
            max_year=self.max_year,
        )
        self.data = reading.value
        self._problem = reading.error
        self.error_part = reading.part

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise StopValidation(self._problem)
        if self.required and self.data is None:
            # A post without the boxes at all (hand-made or truncated) leaves no date and no
            # problem; a required date must still be refused, never reach the service empty.
            reading = read_date_parts(
                date_parts(None),
                str(self.label.text),
                required=True,
                required_message=self.required_message,
            )
            raise StopValidation(reading.error or f"Enter the {str(self.label.text).lower()}")

    def set_date(self, value: date | None) -> None:
        """Show ``value`` in the boxes (a form opened to change a saved date)."""
        self.data = value
        self.parts = date_parts(value)

    @property
    def required_date(self) -> date:
        """The date of a required field once its form has validated (it then holds one);
        raises ``ValueError`` when called before that, a bug in the caller."""
        if self.data is None:
            raise ValueError(f"{self.name}: a required date is missing after validation")
        value: date = self.data
        return value

    @property
    def error_anchor(self) -> str:
        """The id of the box to focus: the day box carries the field's own id."""
        return self.id if self.error_part == "day" else f"{self.id}-{self.error_part}"

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""
