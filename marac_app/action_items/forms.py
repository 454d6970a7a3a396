"""Forms for agreeing actions and recording their status (dates: ``GovukDateField``)."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from marac_app.action_items.models import DESCRIPTION_MAX, NOTE_MAX, ActionPriority
from marac_app.action_items.progress import PROGRESS_MISSING, PROGRESS_TOO_LONG
from marac_app.action_items.services import (
    DESCRIPTION_MISSING,
    DESCRIPTION_TOO_LONG,
    DUE_DATE_MISSING,
    NOTE_TOO_LONG,
    OWNER_AGENCY_MISSING,
    PRIORITY_MISSING,
    STATUS_MISSING,
)
from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm, coerce_id


class ActionForm(MaracForm):
    owner_agency = SelectField(
        "Owner agency",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired(OWNER_AGENCY_MISSING)],
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
            InputRequired(DESCRIPTION_MISSING),
            Length(max=DESCRIPTION_MAX, message=DESCRIPTION_TOO_LONG),
        ],
    )
    # The label is the subject of the date's messages ("The due date must be a real date");
    # the page's legend says "Due date".
    due_date = GovukDateField("The due date", required_message=DUE_DATE_MISSING)
    priority = RadioField(
        "Priority",
        choices=[SelectChoice(p.value, p.label) for p in ActionPriority],
        validators=[InputRequired(PRIORITY_MISSING)],
    )
    agenda_item_id = HiddenField()
    # The owning agency needs the victim's address to do it (e.g. fit locks): only that
    # agency may then have it shown, on the action's page, while the action is open.
    needs_address = BooleanField("This action needs the victim's address")


class StatusForm(MaracForm):
    version = HiddenField()
    status = RadioField(
        "New status",
        validate_choice=False,
        validators=[InputRequired(STATUS_MISSING)],
    )
    # One note for every status (the message asking for it names the status chosen). A
    # conditionally revealed note per radio would be the GOV.UK pattern, but govuk-frontend
    # sets aria-expanded on the radio inputs, which axe-core reports as a WCAG violation.
    note = TextAreaField(
        "Note",
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=NOTE_TOO_LONG),
        ],
    )
    dated = GovukDateField("The date this happened", not_in_future=True)


class ProgressForm(MaracForm):
    """Progress that leaves the action open (marac_app/action_items/progress.py). Built with
    ``prefix="progress"``: it shares the action page with ``StatusForm`` (no duplicate ids)."""

    version = HiddenField()
    note = TextAreaField(
        "Progress update",
        validators=[
            InputRequired(PROGRESS_MISSING),
            Length(max=NOTE_MAX, message=PROGRESS_TOO_LONG),
        ],
    )
    dated = GovukDateField("The date of the progress", not_in_future=True)
