"""Forms for data-subject requests, retention (legal holds, case closure) and the notice."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm
from marac_app.privacy.models import RIGHT_LABELS, RequestStatus
from marac_app.privacy.services import DETAIL_TO_CORRECT_MISSING, RECTIFIABLE


def _clean(value: str | None) -> str | None:
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def _case_reference() -> StringField:
    """The case a DPO puts under a hold, or a coordinator closes, typed by its reference."""
    return StringField(
        "Case reference",
        filters=[_clean],
        validators=[
            DataRequired("Enter the case reference, for example CAM-2026-0042"),
            Length(max=20, message="Case reference must be 20 characters or fewer"),
        ],
    )


class RequestForm(MaracForm):
    person_name = StringField(
        "Name of the person, as given",
        filters=[_clean],
        validators=[
            DataRequired("Enter the name of the person making the request"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    # A date's label is the subject of its messages; the page's legend may differ.
    date_of_birth = GovukDateField("The date of birth", required=False)
    right = RadioField(
        "Which right are they using?",
        validate_choice=False,
        choices=[SelectChoice(k.value, v) for k, v in RIGHT_LABELS.items()],
        validators=[InputRequired("Select which right the person is using")],
    )
    received_on = GovukDateField("The date the request was received", not_in_future=True)
    details = TextAreaField(
        "What the person asked for (optional)",
        filters=[_clean],
        validators=[
            Optional(),
            Length(max=2000, message="Details must be 2000 characters or fewer"),
        ],
    )

    def validate_right(self, field: RadioField) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Select which right the person is using")


class DecisionForm(MaracForm):
    version = HiddenField()
    status = RadioField(
        "Status",
        validate_choice=False,
        choices=[SelectChoice(s.value, s.label) for s in RequestStatus],
        validators=[InputRequired("Select the status of the request")],
    )
    decision = StringField(
        "Decision",
        filters=[_clean],
        validators=[
            Optional(),
            Length(max=500, message="Decision must be 500 characters or fewer"),
        ],
    )
    reason = TextAreaField(
        "Reason (the legal reason when refusing)",
        filters=[_clean],
        validators=[
            Optional(),
            Length(max=4000, message="Reason must be 4000 characters or fewer"),
        ],
    )

    def validate_status(self, field: RadioField) -> None:
        if field.data not in {s.value for s in RequestStatus}:
            raise ValidationError("Select the status of the request")


class RectifyForm(MaracForm):
    case_id = HiddenField()
    field = SelectField(
        "Detail to correct",
        validate_choice=False,
        choices=[SelectChoice("", "Select a detail")]
        + [SelectChoice(k, v) for k, v in RECTIFIABLE.items()],
        validators=[InputRequired(DETAIL_TO_CORRECT_MISSING)],
    )
    new_value = StringField(
        "Corrected value",
        filters=[_clean],
        validators=[
            Optional(),
            Length(max=500, message="Corrected value must be 500 characters or fewer"),
        ],
    )
    reason = StringField(
        "Why it is being corrected",
        filters=[_clean],
        validators=[
            DataRequired("Enter why the detail is being corrected"),
            Length(max=500, message="Reason must be 500 characters or fewer"),
        ],
    )


class ReasonForm(MaracForm):
    """Restrict a case, or put it under legal hold: a case and a reason."""

    case_id = HiddenField()
    reason = StringField(
        "Reason",
        filters=[_clean],
        validators=[
            DataRequired("Enter the reason"),
            Length(max=500, message="Reason must be 500 characters or fewer"),
        ],
    )


class HoldForm(MaracForm):
    reference = _case_reference()
    reason = StringField(
        "Reason for the legal hold",
        filters=[_clean],
        validators=[
            DataRequired("Enter the reason for the legal hold"),
            Length(max=500, message="Reason must be 500 characters or fewer"),
        ],
    )


class CloseCaseForm(MaracForm):
    reference = _case_reference()
    closed_on = GovukDateField("The date the case closed", not_in_future=True)


class ConfirmForm(MaracForm):
    case_id = HiddenField()


class NoticeForm(MaracForm):
    version = HiddenField()
    body = TextAreaField(
        "Privacy notice text",
        filters=[_clean],
        validators=[
            DataRequired("Enter the text of the privacy notice"),
            Length(max=50_000, message="The notice must be 50,000 characters or fewer"),
        ],
    )


class PolicyForm(MaracForm):
    years = IntegerField(
        "Keep case records for (years after the case closed)",
        validators=[
            InputRequired("Enter how many years case records are kept"),
            NumberRange(min=1, max=100, message="Enter a number of years from 1 to 100"),
        ],
    )


class EraseForm(MaracForm):
    """Carry out an erasure: the reason (required when an open case is on an upcoming case
    list — the service decides) and the explicit confirmation."""

    reason = TextAreaField(
        "Why the case must be erased now, although it is on an upcoming case list",
        filters=[_clean],
        validators=[
            Optional(),
            Length(max=2000, message="The reason must be 2000 characters or fewer"),
        ],
    )
    confirm = BooleanField(
        "I understand that these records will be deleted and cannot be recovered"
    )


class ApplyRetentionForm(MaracForm):
    """Delete the records the DPO saw in the preview (their case ids), once confirmed."""

    case_ids = HiddenField()
    confirm = BooleanField("I have checked the list: delete these records")

    def previewed_ids(self) -> list[int] | None:
        """The case ids of the preview, or None when the field was tampered with."""
        parts = [p for p in (self.case_ids.data or "").split(",") if p.strip()]
        if not all(p.strip().isdigit() and len(p.strip()) <= 18 for p in parts):
            return None
        return [int(p) for p in parts]
