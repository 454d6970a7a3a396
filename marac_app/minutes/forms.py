"""Forms for the live minutes (GOV.UK radios, selects and textareas)."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

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
    pass


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
