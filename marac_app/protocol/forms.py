"""Forms for protocol versions, signatures and the confidentiality statement."""

from __future__ import annotations

from typing import Any

from wtforms import Field, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm, ValidId
from marac_app.protocol.services import VERSION_SIGNED_MISSING


def _strip(value: str | None) -> str | None:
    """Trim spaces and drop NUL characters (PostgreSQL refuses them in text columns)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def _no_nul(value: str | None) -> str | None:
    return value.replace("\x00", "") if isinstance(value, str) else value


class ProtocolVersionForm(MaracForm):
    title = StringField(
        "Title",
        filters=[_strip],
        validators=[
            DataRequired("Enter the title of the protocol"),
            Length(max=255, message="Title must be 255 characters or fewer"),
        ],
    )
    version_label = StringField(
        "Version",
        filters=[_strip],
        validators=[
            DataRequired("Enter the version, for example 3 or 3.1"),
            Length(max=20, message="Version must be 20 characters or fewer"),
        ],
    )
    effective_date = GovukDateField("Effective date")
    grace_days = IntegerField(
        "Grace period in days",
        validators=[
            InputRequired("Enter the grace period in days, for example 30"),
            NumberRange(min=0, max=366, message="Grace period must be between 0 and 366 days"),
        ],
    )
    text = TextAreaField(
        "Protocol text",
        filters=[_no_nul],
        validators=[
            DataRequired("Enter the text of the protocol"),
            Length(max=100_000, message="Protocol text must be 100,000 characters or fewer"),
        ],
    )

    def process(self, *args: Any, **kwargs: Any) -> None:
        super().process(*args, **kwargs)
        # IntegerField would hide what was typed when it is not a number: keep it.
        if self.grace_days.raw_data and self.grace_days.data is None:
            self.grace_days.process_errors = [
                "Grace period must be a whole number of days, like 30"
            ]


class SignatureForm(MaracForm):
    version = HiddenField()
    protocol_version_id = SelectField(
        "Protocol version signed",
        coerce=str,
        validate_choice=False,
        validators=[
            InputRequired(VERSION_SIGNED_MISSING),
            ValidId(VERSION_SIGNED_MISSING),
        ],
    )
    signatory_name = StringField(
        "Signatory's full name",
        filters=[_strip],
        validators=[
            DataRequired("Enter the signatory's full name"),
            Length(max=120, message="Signatory's full name must be 120 characters or fewer"),
        ],
    )
    signatory_job_title = StringField(
        "Signatory's job title",
        filters=[_strip],
        validators=[
            DataRequired("Enter the signatory's job title"),
            Length(max=120, message="Signatory's job title must be 120 characters or fewer"),
        ],
    )
    signed_on = GovukDateField("Date signed")
    review_due_on = GovukDateField("Review date", required=False)

    def version_id(self) -> int | None:
        try:
            return int(self.protocol_version_id.data or "")
        except ValueError:
            return None

    def validate_protocol_version_id(self, field: Field) -> None:
        if self.version_id() is None:
            raise ValidationError(VERSION_SIGNED_MISSING)


class WithdrawForm(MaracForm):
    version = HiddenField()
    withdrawn_on = GovukDateField("Date withdrawn")
    withdrawal_reason = TextAreaField(
        "Reason for withdrawal",
        filters=[_strip],
        validators=[
            DataRequired("Enter the reason the agency withdrew"),
            Length(max=500, message="Reason for withdrawal must be 500 characters or fewer"),
        ],
    )


class StatementForm(MaracForm):
    text = TextAreaField(
        "Statement text",
        filters=[_no_nul],
        validators=[
            DataRequired("Enter the text of the confidentiality statement"),
            Length(max=20_000, message="Statement text must be 20,000 characters or fewer"),
        ],
    )
