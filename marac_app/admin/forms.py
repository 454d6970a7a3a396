"""Admin forms: areas, agencies, users."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp, ValidationError

from marac_app.agencies.models import (
    AGENCY_KIND_LABELS,
    MAX_RETURN_DEADLINE_DAYS,
    RETURN_VISIBILITY_LABELS,
    ReturnVisibility,
)
from marac_app.auth.forms import strip
from marac_app.auth.models import ROLE_LABELS
from marac_app.common.forms import (
    ConfirmForm,  # noqa: F401 - used by this feature's views
    MaracForm,
    coerce_id,
)


class AreaForm(MaracForm):
    name = StringField(
        "Area name",
        validators=[
            InputRequired("Enter the name of the MARAC area"),
            Length(max=120, message="Area name must be 120 characters or fewer"),
        ],
    )
    code = StringField(
        "Reference code",
        validators=[
            InputRequired("Enter a reference code, for example CAM"),
            Regexp(r"^[A-Za-z]{2,8}$", message="Reference code must be 2 to 8 letters, like CAM"),
        ],
    )
    active = BooleanField("Area is active", default=True)
    # Blank keeps the area's current target (12 minutes for a new area).
    case_target_minutes = StringField("Target minutes per case at a meeting")

    def validate_case_target_minutes(self, field: StringField) -> None:
        if self.target_minutes() is None and str(field.data or "").strip():
            raise ValidationError("Target minutes per case must be a whole number from 1 to 120")

    def target_minutes(self) -> int | None:
        """The target entered (1 to 120), or None when blank or not such a number."""
        text = str(self.case_target_minutes.data or "").strip()
        if text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= 120:
            return int(text)
        return None

    # Research returns (marac_app/research). Blank keeps the area's current deadline (2
    # working days for a new area).
    return_deadline_days = StringField("Research returns are due this many working days before")
    return_visibility = RadioField(
        "Who sees agencies' research returns before and at the meeting?",
        choices=[
            SelectChoice(value.value, label) for value, label in RETURN_VISIBILITY_LABELS.items()
        ],
        default=ReturnVisibility.CHAIR_AND_COORDINATOR.value,
        validators=[Optional()],
    )

    def validate_return_deadline_days(self, field: StringField) -> None:
        if self.deadline_days() is None and str(field.data or "").strip():
            raise ValidationError(
                "Working days before the meeting must be a whole number from 0 to "
                f"{MAX_RETURN_DEADLINE_DAYS}"
            )

    def deadline_days(self) -> int | None:
        """The working days entered (0 to 20), or None when blank or not such a number."""
        text = str(self.return_deadline_days.data or "").strip()
        if text.isascii() and text.isdigit() and len(text) <= 2 and int(text) <= 20:
            return min(int(text), MAX_RETURN_DEADLINE_DAYS)
        return None

    def visibility(self) -> str | None:
        value = self.return_visibility.data
        return str(value) if value else None


class AgencyForm(MaracForm):
    name = StringField(
        "Agency name",
        validators=[
            InputRequired("Enter the name of the agency"),
            Length(max=255, message="Agency name must be 255 characters or fewer"),
        ],
    )
    kind = SelectField(
        "Kind of agency",
        choices=[SelectChoice("", "Select a kind")]
        + [SelectChoice(k.value, v) for k, v in AGENCY_KIND_LABELS.items()],
        validators=[InputRequired("Select the kind of agency")],
        validate_choice=True,
    )
    areas = SelectMultipleField("MARAC areas", coerce=coerce_id, validate_choice=False)
    active = BooleanField("Agency is active", default=True)


class UserForm(MaracForm):
    version = HiddenField()
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            InputRequired("Enter the user's email address"),
            Length(max=255, message="Email address must be 255 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    name = StringField(
        "Full name",
        validators=[
            InputRequired("Enter the user's full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    job_title = StringField(
        "Job title",
        validators=[
            Optional(),
            Length(max=120, message="Job title must be 120 characters or fewer"),
        ],
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice("", "Select a role")]
        + [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        validators=[InputRequired("Select the user's role")],
    )
    agency = SelectField("Agency", coerce=coerce_id, validate_choice=False)
    area = SelectField("MARAC area", coerce=coerce_id, validate_choice=False)
    # Issue 15: a person covering several MARACs. "MARAC area" above is the one they work in
    # now (and start in); they can change to any of these themselves.
    also_areas = SelectMultipleField("Also works in", coerce=coerce_id, validate_choice=False)
