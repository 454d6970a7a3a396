"""Forms for opening a meeting, attendance and acknowledgements."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from marac_app.attendance.models import AttendanceStatus
from marac_app.common.forms import MaracForm, coerce_id


def _int_or_none(value: object) -> int | None:
    """Coerce a posted id; anything that is not a whole number becomes None (and the
    field's own validator then says what to do)."""
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def clean(value: object) -> object:
    """Trim spaces and drop NUL characters (PostgreSQL refuses them in text columns)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class MarkReadForm(MaracForm):
    """The chair marks the statement read. ``statement_version`` is the version shown."""

    statement_version = HiddenField()

    def shown_version(self) -> int | None:
        return _int_or_none(self.statement_version.data)


class InviteeAttendanceForm(MaracForm):
    status = RadioField(
        "Attendance",
        choices=[SelectChoice(s.value, s.label) for s in AttendanceStatus],
        validate_choice=False,
        validators=[
            InputRequired("Select whether they are present, sent apologies or are absent"),
            AnyOf(
                [s.value for s in AttendanceStatus],
                message="Select whether they are present, sent apologies or are absent",
            ),
        ],
    )
    information_sent = RadioField(
        "If they sent apologies, did they send their agency's information before the meeting?",
        choices=[
            SelectChoice("yes", "Yes, information was sent"),
            SelectChoice("no", "No information was sent"),
        ],
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(
                ["yes", "no"], message=("Select whether they sent information before the meeting")
            ),
        ],
    )

    def validate_information_sent(self, field: RadioField) -> None:
        if self.status.data == AttendanceStatus.APOLOGIES.value and not field.data:
            raise ValidationError("Select whether they sent information before the meeting")

    def information_sent_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.information_sent.data or "")


class PresentPersonForm(MaracForm):
    name = StringField(
        "Full name",
        filters=[clean],
        validators=[
            InputRequired("Enter the name of the person present"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    agency = SelectField(
        "Agency they represent",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired("Select the agency the person represents")],
    )

    def validate_agency(self, field: SelectField) -> None:
        valid = {choice.value for choice in (field.choices or []) if choice.value != ""}
        if field.data is None or field.data not in valid:
            raise ValidationError("Select the agency the person represents")

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter the name of the person present")


class ObserverForm(MaracForm):
    name = StringField(
        "Observer's full name",
        filters=[clean],
        validators=[
            InputRequired("Enter the observer's name"),
            Length(max=120, message="Observer's name must be 120 characters or fewer"),
        ],
    )
    organisation = StringField(
        "Organisation",
        filters=[clean],
        validators=[
            InputRequired("Enter the observer's organisation"),
            Length(max=120, message="Organisation must be 120 characters or fewer"),
        ],
    )
    chair_agreed = BooleanField("The chair agrees to this observer attending")

    def validate_chair_agreed(self, field: BooleanField) -> None:
        if not field.data:
            raise ValidationError("Confirm that the chair agrees to the observer attending")

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter the observer's name")

    def validate_organisation(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter the observer's organisation")


class AcknowledgeForm(MaracForm):
    """A button: the person (or the chair for them) acknowledges the statement."""


class AcknowledgeSeveralForm(MaracForm):
    """The chair ticks the people who acknowledged the statement aloud and records them
    all at once. Values are ``attendance-<id>`` or ``observer-<id>``; the view sets the
    choices to the people still to acknowledge."""

    people = SelectMultipleField(
        "Who has acknowledged the confidentiality statement?", validate_choice=False
    )

    def validate_people(self, field: SelectMultipleField) -> None:
        offered = {str(choice.value) for choice in (field.choices or [])}
        chosen = field.data or []
        if not chosen:
            raise ValidationError(
                "Select the people who have acknowledged the confidentiality statement"
            )
        if any(value not in offered for value in chosen):
            raise ValidationError(
                "Select only people shown here who have not acknowledged the statement yet"
            )

    def chosen_ids(self, kind: str) -> list[int]:
        """The ids chosen of ``kind`` ("attendance" or "observer")."""
        prefix = f"{kind}-"
        return [
            int(value[len(prefix) :])
            for value in (self.people.data or [])
            if value.startswith(prefix) and value[len(prefix) :].isdigit()
        ]


class DeferForm(MaracForm):
    reason = TextAreaField(
        "Why is the case being deferred?",
        filters=[clean],
        validators=[
            InputRequired("Enter why the case is being deferred"),
            Length(max=500, message="The reason must be 500 characters or fewer"),
        ],
    )

    def validate_reason(self, field: TextAreaField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter why the case is being deferred")


class CaseTargetForm(MaracForm):
    minutes = StringField(
        "Target minutes per case",
        filters=[clean],
        validators=[InputRequired("Enter the target minutes per case, like 12")],
    )

    def validate_minutes(self, field: StringField) -> None:
        text = str(field.data or "")
        if not (text.isascii() and text.isdigit() and len(text) <= 3) or not 1 <= int(text) <= 120:
            raise ValidationError("Target minutes per case must be a whole number from 1 to 120")

    def minutes_value(self) -> int | None:
        text = str(self.minutes.data or "")
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None
