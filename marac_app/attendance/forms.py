"""Forms for opening a meeting, attendance and acknowledgements."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
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
