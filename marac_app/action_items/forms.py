"""Forms for agreeing actions and recording their status (GOV.UK date inputs as three boxes)."""

from __future__ import annotations

from datetime import date

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from marac_app.action_items.models import DESCRIPTION_MAX, NOTE_MAX, ActionPriority
from marac_app.common.dates import read_date_fields
from marac_app.common.forms import MaracForm, coerce_id

# A service's field names → the form field that shows the refusal: a date shows on its "day"
# box; the agenda item and meeting are not fields (their refusals go to the error summary).
SERVICE_FIELDS: dict[str, str] = {"due_date": "due_day", "dated": "dated_day"}


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
        return read_date_fields(self.due_day, self.due_month, self.due_year, "The due date")


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
        return read_date_fields(
            self.dated_day,
            self.dated_month,
            self.dated_year,
            "The date this happened",
            not_in_future=True,
        )
