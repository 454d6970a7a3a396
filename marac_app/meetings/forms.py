"""Meeting forms: schedule or edit, cancel, invite. Specific messages for every mistake."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from marac_app.common.forms import (
    ConfirmForm,  # noqa: F401 - used by this feature's views
    MaracForm,
    coerce_id,
)
from marac_app.meetings.recurrence import ORDINALS, WEEKDAY_NAMES, RepeatKind
from marac_app.meetings.reminders import CHOICES as REMINDER_CHOICES
from marac_app.meetings.services import (
    CHAIR_NOT_OF_AREA,
    END_BEFORE_START,
    NO_PLACE,
    NOBODY_TO_INVITE,
)


def _strip(value: Any) -> Any:
    """Trim spaces and drop NUL characters (which PostgreSQL refuses in text)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def _sensible_year(message: str) -> Any:
    def check(form: MaracForm, field: DateField) -> None:
        if field.data is not None and not 2000 <= field.data.year <= 2099:
            raise ValidationError(message)

    return check


def _coerce_optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _https_link(form: MaracForm, field: StringField) -> None:
    if field.data and not field.data.lower().startswith("https://"):
        raise ValidationError("Enter the online meeting link starting with https://")


class MeetingForm(MaracForm):
    version = HiddenField()
    day = DateField(
        "Date",
        format="%Y-%m-%d",
        validators=[
            InputRequired("Enter the meeting date"),
            _sensible_year("Enter a meeting date between 2000 and 2099"),
        ],
    )
    start_time = TimeField("Start time", validators=[InputRequired("Enter the start time")])
    end_time = TimeField("End time", validators=[InputRequired("Enter the end time")])
    venue = StringField(
        "Venue",
        filters=[_strip],
        validators=[Optional(), Length(max=255, message="Venue must be 255 characters or fewer")],
    )
    online_link = StringField(
        "Online meeting link",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=500, message="Online meeting link must be 500 characters or fewer"),
            _https_link,
        ],
    )
    chair = SelectField("Chair", coerce=coerce_id, validate_choice=False)
    emergency = BooleanField("This is an emergency meeting")

    def messages_for_times(self) -> None:
        for field, text in (
            (self.day, "Enter the meeting date as a real date"),
            (self.start_time, "Enter the start time, like 10:00"),
            (self.end_time, "Enter the end time, like 13:00"),
        ):
            field.errors = [text if e.startswith("Not a valid") else e for e in field.errors]

    def validate_chair(self, field: SelectField) -> None:
        allowed = {c.value for c in field.choices}
        if field.data not in allowed:
            raise ValidationError(CHAIR_NOT_OF_AREA)

    def validate_end_time(self, field: TimeField) -> None:
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError(END_BEFORE_START)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.messages_for_times()
        # Cross-field rules here: an Optional() field skips its own inline validators.
        if not (self.venue.data or self.online_link.data) and not self.venue.errors:
            self.venue.errors = [*self.venue.errors, NO_PLACE]
            ok = False
        return self.extra_checks() and ok

    def extra_checks(self) -> bool:
        return True


class NewMeetingForm(MeetingForm):
    repeat = RadioField(
        "Does the meeting repeat?",
        default=RepeatKind.NONE.value,
        choices=[
            SelectChoice(RepeatKind.NONE.value, "No, a single meeting"),
            SelectChoice(RepeatKind.WEEKLY.value, "Every few weeks on a weekday"),
            SelectChoice(RepeatKind.MONTHLY.value, "Monthly on a weekday of the month"),
        ],
        validators=[InputRequired("Select whether the meeting repeats")],
    )
    interval_weeks = IntegerField(
        "Every how many weeks",
        default=4,
        validators=[Optional(), NumberRange(1, 12, "Enter a number of weeks from 1 to 12")],
    )
    nth = SelectField(
        "Which week of the month",
        coerce=_coerce_optional_int,
        default=2,
        choices=[SelectChoice(n, label.capitalize()) for n, label in ORDINALS.items()],
    )
    weekday = SelectField(
        "Weekday",
        coerce=_coerce_optional_int,
        default=1,
        choices=[SelectChoice(i, name) for i, name in enumerate(WEEKDAY_NAMES[:5])],
    )
    count = IntegerField(
        "Number of meetings",
        validators=[Optional(), NumberRange(2, 52, "Enter a number of meetings from 2 to 52")],
    )
    until = DateField(
        "Or repeat until",
        format="%Y-%m-%d",
        validators=[
            Optional(),
            _sensible_year("Enter a date to repeat until between 2000 and 2099"),
        ],
    )

    def extra_checks(self) -> bool:
        if self.repeat.data == RepeatKind.NONE.value or self.count.errors or self.until.errors:
            return True
        message = None
        if self.count.data is None and self.until.data is None:
            message = "Enter the number of meetings or the date to repeat until"
        elif self.count.data is not None and self.until.data is not None:
            message = "Enter either the number of meetings or a date to repeat until, not both"
        if message:
            self.count.errors = [*self.count.errors, message]
            return False
        return True

    def validate_until(self, field: DateField) -> None:
        if field.data and self.day.data and field.data <= self.day.data:
            raise ValidationError("The date to repeat until must be after the first meeting")

    def validate_weekday(self, field: SelectField) -> None:
        if field.data not in range(5):
            raise ValidationError("Select a weekday")

    def validate_nth(self, field: SelectField) -> None:
        if field.data not in ORDINALS:
            raise ValidationError("Select which week of the month")

    def messages_for_times(self) -> None:
        super().messages_for_times()
        self.until.errors = [
            "Enter the date to repeat until as a real date" if e.startswith("Not a valid") else e
            for e in self.until.errors
        ]
        self.interval_weeks.errors = [
            "Enter a number of weeks from 1 to 12" if e.startswith("Not a valid") else e
            for e in self.interval_weeks.errors
        ]
        self.count.errors = [
            "Enter a number of meetings from 2 to 52" if e.startswith("Not a valid") else e
            for e in self.count.errors
        ]
        self.repeat.errors = [
            "Select whether the meeting repeats" if e.startswith("Not a valid") else e
            for e in self.repeat.errors
        ]


class EditMeetingForm(MeetingForm):
    scope = RadioField(
        "Which meetings should change?",
        default="one",
        choices=[
            SelectChoice("one", "Only this meeting"),
            SelectChoice("future", "This and all later meetings in the series"),
        ],
        validators=[Optional()],
    )

    def messages_for_times(self) -> None:
        super().messages_for_times()
        self.scope.errors = [
            "Select which meetings should change" if e.startswith("Not a valid") else e
            for e in self.scope.errors
        ]


class CancelMeetingForm(MaracForm):
    version = HiddenField()
    reason = TextAreaField(
        "Reason for cancelling",
        filters=[_strip],
        validators=[
            InputRequired("Enter the reason for cancelling the meeting"),
            Length(max=500, message="Reason must be 500 characters or fewer"),
        ],
    )


class InviteForm(MaracForm):
    people = SelectMultipleField(
        "People to invite",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired(NOBODY_TO_INVITE)],
    )


class NewPersonForm(MaracForm):
    """Invite someone who has no account (marac_app/meetings/account_invitations.py)."""

    name = StringField(
        "Full name",
        filters=[_strip],
        validators=[
            InputRequired("Enter the person's full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[_strip],
        validators=[
            InputRequired("Enter the person's email address"),
            Length(max=255, message="Email address must be 255 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    job_title = StringField(
        "Job title (optional)",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=120, message="Job title must be 120 characters or fewer"),
        ],
    )
    agency = SelectField(
        "Agency",
        coerce=coerce_id,
        validate_choice=False,
        validators=[InputRequired("Select the person's agency")],
    )


def _minutes(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class ReminderForm(MaracForm):
    """The person's calendar reminder (marac_app/meetings/reminders.py)."""

    minutes = SelectField(
        "Remind me before each meeting",
        coerce=_minutes,
        choices=[SelectChoice(value, label) for value, label in REMINDER_CHOICES],
        validate_choice=False,  # the service refuses anything else with its own message
    )
