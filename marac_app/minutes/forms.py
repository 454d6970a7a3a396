"""Forms for the live minutes (GOV.UK radios, selects and textareas)."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm, coerce_id
from marac_app.minutes.models import RISK_FIELDS, TEXT_MAX, EntryKind, Subject

TEXT_LENGTH = Length(max=TEXT_MAX, message=f"The text must be {TEXT_MAX:,} characters or fewer")


class EntryForm(MaracForm):
    version = HiddenField()
    subject = RadioField(
        "Who is this about?",
        choices=[SelectChoice(s.value, s.label) for s in Subject],
        validators=[InputRequired("Select who the information is about")],
    )
    kind = RadioField(
        "What kind of information is it?",
        choices=[SelectChoice(k.value, k.label) for k in EntryKind],
        validators=[
            InputRequired(
                "Select whether this is a fact, a professional opinion or the victim's view"
            )
        ],
    )
    source_agency = SelectField(
        "Agency that shared it",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired("Select the agency that shared this information")],
    )
    text = TextAreaField(
        "What was shared", validators=[DataRequired("Enter what was shared"), TEXT_LENGTH]
    )


class RiskSummaryForm(MaracForm):
    version = HiddenField()
    harm_identified = TextAreaField(
        RISK_FIELDS["harm_identified"], validators=[Optional(), TEXT_LENGTH]
    )
    contributing_factors = TextAreaField(
        RISK_FIELDS["contributing_factors"], validators=[Optional(), TEXT_LENGTH]
    )
    protective_factors = TextAreaField(
        RISK_FIELDS["protective_factors"], validators=[Optional(), TEXT_LENGTH]
    )


class ApproveForm(MaracForm):
    """The approval check's confirmation; ``approve_form`` adds one reason field for each
    incomplete case (``reason_<agenda item id>``)."""

    confirm = BooleanField(
        "I have checked the minutes of every case and confirm they are ready to be approved"
    )


def approve_form(reason_labels: dict[str, str], formdata: Any = None) -> ApproveForm:
    """An ``ApproveForm`` with a textarea per incomplete case, ``reason_labels`` mapping each
    field name to its label (the refusals are ``approval.refusals``'s, put on by the view)."""
    fields = {name: TextAreaField(label) for name, label in reason_labels.items()}
    form_class = type("ApproveCheckForm", (ApproveForm,), fields)
    form: ApproveForm = form_class(formdata=formdata)
    return form


class LateEntryForm(EntryForm):
    reason = TextAreaField(
        "Reason for adding it after approval",
        validators=[
            DataRequired("Enter the reason for the amendment"),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )


class CirculateForm(MaracForm):
    until_date = GovukDateField(
        "Date comments close", required_message="Enter the date comments close"
    )
    until_time = TimeField(
        "Time comments close", validators=[InputRequired("Enter the time comments close")]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.until_time.errors = [
            "Enter the time comments close, like 17:00" if e.startswith("Not a valid") else e
            for e in self.until_time.errors
        ]
        return ok


class DraftCommentForm(MaracForm):
    case = SelectField("Which case is your comment about?", coerce=coerce_id, validate_choice=False)
    text = TextAreaField(
        "Your comment",
        validators=[
            DataRequired("Enter your comment"),
            Length(max=2000, message="Your comment must be 2,000 characters or fewer"),
        ],
    )


class AmendEntryForm(MaracForm):
    reason = TextAreaField(
        "Reason for the amendment",
        validators=[
            DataRequired("Enter the reason for the amendment"),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    text = TextAreaField(
        "Corrected text", validators=[DataRequired("Enter the corrected text"), TEXT_LENGTH]
    )


class AmendRiskForm(AmendEntryForm):
    field = RadioField(
        "Which part of the risk summary are you correcting?",
        choices=[SelectChoice(key, label) for key, label in RISK_FIELDS.items()],
        validators=[InputRequired("Select which part of the risk summary to correct")],
    )
