"""Forms for transferring a case and answering a transfer."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from marac_app.common.forms import MaracForm, coerce_id
from marac_app.transfers import services


class TransferForm(MaracForm):
    """Transfer a case to another MARAC area of this deployment."""

    to_area = SelectField(
        "Which MARAC area should the case go to?",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired(services.AREA_MISSING)],
    )
    reason = TextAreaField(
        "Why is the case being transferred?",
        validators=[InputRequired(services.REASON_MISSING)],
    )


class DecisionForm(MaracForm):
    """Accept or decline a transfer (a reason when declining)."""

    decision = RadioField(
        "Do you accept this case into your MARAC?",
        choices=[
            SelectChoice("accept", "Accept the case"),
            SelectChoice("decline", "Decline the transfer"),
        ],
        validators=[InputRequired(services.DECISION_MISSING)],
    )
    decline_reason = TextAreaField("Why are you declining the transfer?")


class PackForm(MaracForm):
    """A transfer pack for a MARAC outside this deployment."""

    marac = StringField(
        "Name of the receiving MARAC", validators=[InputRequired(services.MARAC_MISSING)]
    )
    reason = TextAreaField(
        "Why is the case being transferred?",
        validators=[InputRequired(services.REASON_MISSING)],
    )
