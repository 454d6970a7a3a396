"""Forms for attaching a requester's records to a request and reviewing passages.

Choices arrive as the values the page showed (``p<person id>``, ``r<referral id>``, decision
and exemption codes); the services check them against what the DPO was shown, so a tampered
value is a field error, never a query on something else.
"""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from marac_app.common.forms import MaracForm
from marac_app.privacy.models import Exemption, PassageDecision
from marac_app.privacy.review import NOTE_MAX


class AttachForm(MaracForm):
    """The records the DPO confirms are the requester's (checkboxes of matches, or the one
    person chosen in a case found by its reference)."""

    records = SelectMultipleField("Records", validate_choice=False)
    reference = HiddenField(validators=[Optional(), Length(max=20)])


class PassageForm(MaracForm):
    """The decision on one passage."""

    passage = HiddenField(validators=[Length(max=60)])
    decision = RadioField(
        "Decision",
        validate_choice=False,
        choices=[SelectChoice(d.value, d.label) for d in PassageDecision],
    )
    redactions = TextAreaField(
        "Words or phrases to redact",
        validators=[
            Optional(),
            Length(max=5000, message="The words to redact must be 5000 characters or fewer"),
        ],
    )
    exemption = RadioField(
        "Exemption",
        validate_choice=False,
        choices=[SelectChoice(e.value, e.label) for e in Exemption],
    )
    note = StringField(
        "The exemption relied on",
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"The exemption must be {NOTE_MAX} characters or fewer"),
        ],
    )

    def chosen_decision(self) -> PassageDecision | None:
        try:
            return PassageDecision(self.decision.data)
        except ValueError:
            return None

    def chosen_exemption(self) -> Exemption | None:
        try:
            return Exemption(self.exemption.data)
        except ValueError:
            return None
