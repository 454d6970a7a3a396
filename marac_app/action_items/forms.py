"""Forms for agreeing actions and recording their status (GOV.UK date inputs as three boxes)."""

from __future__ import annotations

from datetime import date

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from marac_app.action_items.models import DESCRIPTION_MAX, NOTE_MAX, ActionPriority
from marac_app.common.forms import MaracForm, coerce_id


def read_date(day: StringField, month: StringField, year: StringField, *, what: str) -> date | None:
    """The date typed into a GOV.UK date input, or None with a specific error on ``day``.

    ``what`` names the date in messages, e.g. "the due date" → "Enter the due date".
    """
    parts = [(f.data or "").strip() for f in (day, month, year)]
    if not any(parts):
        day.errors = [*day.errors, f"Enter {what}"]
        return None
    names = ("a day", "a month", "a year")
    missing = [name for name, part in zip(names, parts, strict=True) if not part]
    if missing:
        day.errors = [*day.errors, f"{what.capitalize()} must include {missing[0]}"]
        return None
    try:
        number_day, number_month, number_year = (int(p) for p in parts)
        if not 1000 <= number_year <= 9999:
            raise ValueError
        return date(number_year, number_month, number_day)
    except (ValueError, OverflowError):  # a huge day or month overflows date()
        day.errors = [*day.errors, f"{what.capitalize()} must be a real date"]
        return None


def _date_part(label: str) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=4)])


class ActionForm(MaracForm):
    owner_agency = SelectField(
        "Owner agency",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired("Select the owner agency")],
    )
    owner_user = SelectField(
        "Named representative (optional)",
        coerce=coerce_id,
        validate_choice=False,
        validators=[Optional()],
    )
    description = TextAreaField(
        "What is the action?",
        validators=[
            InputRequired("Enter what the action is"),
            Length(
                max=DESCRIPTION_MAX,
                message=f"The action must be {DESCRIPTION_MAX} characters or fewer",
            ),
        ],
    )
    due_day = _date_part("Day")
    due_month = _date_part("Month")
    due_year = _date_part("Year")
    priority = RadioField(
        "Priority",
        choices=[SelectChoice(p.value, p.label) for p in ActionPriority],
        validators=[InputRequired("Select the priority")],
    )
    agenda_item_id = HiddenField()

    def due_date(self) -> date | None:
        return read_date(self.due_day, self.due_month, self.due_year, what="the due date")


class StatusForm(MaracForm):
    version = HiddenField()
    status = RadioField(
        "New status",
        validate_choice=False,
        validators=[InputRequired("Select the new status of the action")],
    )
    # One note for every status (the message asking for it names the status chosen). A
    # conditionally revealed note per radio would be the GOV.UK pattern, but govuk-frontend
    # sets aria-expanded on the radio inputs, which axe-core reports as a WCAG violation.
    note = TextAreaField(
        "Note",
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"The note must be {NOTE_MAX} characters or fewer"),
        ],
    )
    dated_day = _date_part("Day")
    dated_month = _date_part("Month")
    dated_year = _date_part("Year")

    def dated(self) -> date | None:
        return read_date(
            self.dated_day, self.dated_month, self.dated_year, what="the date this happened"
        )
