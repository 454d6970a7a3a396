"""Forms of co-ordination: the triage of a meeting's list (one heard / co-ordinated choice
and closing date per case, built for the list) and the chair's sign-off. Actions are agreed
with the live case page's ``ActionForm`` (marac_app/action_items/forms.py)."""

from __future__ import annotations

from typing import Any

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm
from marac_app.coordination.services import (
    REASON_MAX,
    REASON_TOO_LONG,
    Bulk,
    closing_field,
    mode_field,
)
from marac_app.referrals.models import AgendaItem, CaseMode


class TriageForm(MaracForm):
    """The fields every triage form has; ``triage_form_for`` adds each case's."""

    versions = HiddenField()
    bulk = SelectField(
        "Choose for the whole list (optional)",
        choices=[SelectChoice("", "Choose case by case, below")]
        + [SelectChoice(b.value, b.label) for b in Bulk],
        validators=[Optional()],
    )
    below = StringField(
        "DASH score (for “below a DASH score”)",
        validators=[Optional(), Length(max=2, message="Enter a DASH score from 1 to 24")],
    )

    def below_value(self) -> int | None:
        value = (self.below.data or "").strip()
        return int(value) if value.isdigit() else None

    def case_fields(self, item: AgendaItem) -> tuple[Any, Any]:
        """(the heard / co-ordinated radios, the closing date) of ``item``."""
        return self[mode_field(item.id)], self[closing_field(item.id)]


def triage_form_for(items: list[AgendaItem], formdata: Any = None) -> TriageForm:
    """A ``TriageForm`` with a mode and a closing date per case of ``items``, holding the
    cases' saved choices when ``formdata`` is None."""
    fields: dict[str, Any] = {}
    for item in items:
        reference = item.case.reference
        fields[mode_field(item.id)] = RadioField(
            f"How is case {reference} dealt with?",
            choices=[
                SelectChoice(CaseMode.HEARD.value, "Heard at the meeting"),
                SelectChoice(CaseMode.COORDINATED.value, "Co-ordinated (not heard)"),
            ],
            validators=[Optional()],  # the service names a missing choice on its field
        )
        fields[closing_field(item.id)] = GovukDateField(
            f"The closing date of case {reference}", required=False
        )
    form_class = type("MeetingTriageForm", (TriageForm,), fields)
    form: TriageForm = form_class(formdata=formdata)
    if formdata is None:
        for item in items:
            mode, closing = form.case_fields(item)
            mode.data = item.mode.value
            if item.closing_date is not None:
                closing.set_date(item.closing_date)
    return form


class SignOffForm(MaracForm):
    no_actions_reason = TextAreaField(
        "If no actions were agreed: no actions because…",
        validators=[Optional(), Length(max=REASON_MAX, message=REASON_TOO_LONG)],
    )
