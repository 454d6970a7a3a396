"""Referral and case-list forms (Flask-WTF: CSRF on each). Messages name the field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import (
    Field,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import TextArea

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import (
    ConfirmForm,  # noqa: F401 - used by this feature's views
    MaracForm,
    MaracSubForm,
    ValidId,
)
from marac_app.referrals.address_changes import REASON_MAX
from marac_app.referrals.checklist import RiskChecklistQuestion
from marac_app.referrals.models import CRITERION_LABELS
from marac_app.referrals.people import (
    CHOICE_LABELS,
    Disability,
    Ethnicity,
    Gender,
    Sexuality,
)
from marac_app.referrals.services import (
    JUDGEMENT_REASONS_MISSING,
    PREVIOUS_MARAC_WHERE_MISSING,
    REFERRING_AGENCY_MISSING,
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CheckedSelectField(SelectField):
    """A select/radio whose wrong value gets a specific message, never "Not a valid choice"."""

    def __init__(
        self, label: str, choices: Iterable[SelectChoice], *, message: str, **kwargs: Any
    ) -> None:
        kwargs.setdefault("validators", [Optional()])
        super().__init__(label, choices=list(choices), validate_choice=False, **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        allowed = {str(c.value) for c in self.choices}
        if self.data not in (None, "") and str(self.data) not in allowed:
            raise StopValidation(self.message)


class CheckedRadioField(RadioField):
    def __init__(
        self, label: str, choices: Iterable[tuple[str, str]], *, message: str, **kwargs: Any
    ) -> None:
        kwargs.setdefault("validators", [Optional()])
        super().__init__(
            label, choices=[SelectChoice(v, t) for v, t in choices], validate_choice=False, **kwargs
        )
        self.message = message

    def pre_validate(self, form: Any) -> None:
        allowed = {str(c.value) for c in self.choices}
        if self.data not in (None, "") and str(self.data) not in allowed:
            raise StopValidation(self.message)


def _choices(enum_class: type[StrEnum], not_recorded: str = "Not recorded") -> list[SelectChoice]:
    return [SelectChoice("", not_recorded)] + [
        SelectChoice(member.value, CHOICE_LABELS[member.value]) for member in enum_class
    ]


YES_NO = [("yes", "Yes"), ("no", "No")]


def _text(
    label: str, max_length: int, required: str | None = None, textarea: bool = False
) -> StringField:
    validators: list[Any] = [InputRequired(required)] if required else [Optional()]
    validators.append(
        Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")
    )
    return StringField(
        label, filters=[_strip], validators=validators, widget=TextArea() if textarea else None
    )


class MonthOrDateField(GovukDateField):
    """A GOV.UK date whose day may be left empty when only the month is known: then ``data``
    is the first of that month and ``month_only`` is True. What was typed is shown again."""

    month_only = False

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        day_key, month_key, year_key = (f"{self.name}-{p}" for p in ("day", "month", "year"))
        self.month_only = False
        if formdata is not None and day_key in formdata:
            day = str(formdata.get(day_key) or "").strip()
            month = str(formdata.get(month_key) or "").strip()
            year = str(formdata.get(year_key) or "").strip()
            if not day and month and year:
                filled = MultiDict(formdata)
                filled[day_key] = "1"
                super().process(filled, data, extra_filters)
                self.parts["day"] = ""
                self.month_only = self.data is not None
                return
        super().process(formdata, data, extra_filters)


PREVIOUS_MARAC_CHOICES = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]


class PerpetratorForm(MaracSubForm):
    full_name = _text("Full name", 120)
    aliases = _text("Other names they use", 255)
    date_of_birth = GovukDateField("Date of birth", required=False, past=True)
    relationship_to_victim = _text("Relationship to the victim", 60)
    gender = CheckedSelectField(
        "Gender", _choices(Gender), message="Select the gender from the list"
    )


class HouseholdMemberForm(MaracSubForm):
    full_name = _text("Full name", 120)
    date_of_birth = GovukDateField("Date of birth", required=False, not_in_future=True)
    kind = CheckedSelectField(
        "Child or adult",
        [
            SelectChoice("child", "Child"),
            SelectChoice("vulnerable_adult", "Other vulnerable adult"),
        ],
        message="Select child or other vulnerable adult",
    )
    relationship_to_victim = _text("Relationship to the victim", 60)
    lives_in_household = CheckedRadioField(
        "Lives in the household", YES_NO, message="Select yes or no"
    )


class ReferralForm(MaracForm):
    version = HiddenField()
    # Referrer
    referring_agency = CheckedSelectField(
        "Referring agency",
        [],
        message=("Select the referring agency from the list"),
        validators=[InputRequired(REFERRING_AGENCY_MISSING)],
    )
    referrer_name = _text(
        "Name of the person referring", 120, "Enter the name of the person referring"
    )
    referrer_role = _text("Their job title or role", 120)
    referred_on = GovukDateField(
        "Date of referral", required_message="Enter the date of the referral", not_in_future=True
    )
    # Victim
    victim_name = _text("Victim's full name", 120, "Enter the victim's full name")
    victim_aliases = _text("Other names the victim uses", 255)
    victim_date_of_birth = GovukDateField(
        "Victim's date of birth", required_message="Enter the victim's date of birth", past=True
    )
    victim_address = _text("Address", 500, textarea=True)
    victim_phone = _text("Safe phone number", 40)
    victim_email = StringField(
        "Safe email address",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=255, message="Safe email address must be 255 characters or fewer"),
            Email(
                "Enter the safe email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    safe_to_call = CheckedRadioField("Is it safe to call?", YES_NO, message="Select yes or no")
    safe_to_text = CheckedRadioField("Is it safe to text?", YES_NO, message="Select yes or no")
    safe_to_email = CheckedRadioField("Is it safe to email?", YES_NO, message="Select yes or no")
    # Editing a referral: changing the address or safe contact details needs a reason
    # (marac_app/referrals/address_changes.py; the service refuses a change without one).
    address_change_reason = _text(
        "Reason for changing the address or safe contact details", REASON_MAX, textarea=True
    )
    victim_gender = CheckedSelectField(
        "Gender", _choices(Gender), message="Select the victim's gender from the list"
    )
    victim_sexuality = CheckedSelectField(
        "Sexuality", _choices(Sexuality), message="Select the victim's sexuality from the list"
    )
    victim_ethnicity = CheckedSelectField(
        "Ethnicity", _choices(Ethnicity), message="Select the victim's ethnicity from the list"
    )
    victim_disability = CheckedSelectField(
        "Does the victim have a disability?",
        _choices(Disability),
        message="Select whether the victim has a disability from the list",
    )
    victim_language = _text("Preferred language", 60)
    interpreter_needed = CheckedRadioField(
        "Is an interpreter needed?", YES_NO, message="Select yes or no"
    )
    # People
    perpetrators = FieldList(FormField(PerpetratorForm), min_entries=2, max_entries=2)
    household = FieldList(FormField(HouseholdMemberForm), min_entries=4, max_entries=4)
    # Criterion
    criterion = CheckedRadioField(
        "Why is this case being referred?",
        list(CRITERION_LABELS.items()),
        message="Select why the case is being referred",
        validators=[InputRequired("Select why the case is being referred")],
    )
    reasons = _text("Reasons for your professional judgement", 5000, textarea=True)
    escalation_incidents = _text("Number of incidents", 6)
    linked_case_reference = _text("Earlier case reference (if you know this is a repeat)", 20)
    # Referred to another MARAC before (issue 14)
    previous_marac = CheckedRadioField(
        "Has the victim been referred to another MARAC before?",
        PREVIOUS_MARAC_CHOICES,
        message="Select yes, no or not known",
    )
    previous_marac_where = _text("Which MARAC?", 200)
    previous_marac_on = MonthOrDateField(
        "Date of the earlier MARAC referral", required=False, not_in_future=True
    )

    def validate_previous_marac_where(self, field: StringField) -> None:
        if self.previous_marac.data == "yes" and not field.data:
            raise ValidationError(PREVIOUS_MARAC_WHERE_MISSING)

    def validate_escalation_incidents(self, field: StringField) -> None:
        if field.data and not re.fullmatch(r"[0-9]{1,6}", field.data):
            raise ValidationError("Number of incidents must be a whole number, like 3")

    def validate_reasons(self, field: StringField) -> None:
        if self.criterion.data == "professional_judgement" and not field.data:
            raise ValidationError(JUDGEMENT_REASONS_MISSING)

    def validate_perpetrators(self, field: FieldList) -> None:
        first = field.entries[0].form
        if not first.full_name.data:
            first.full_name.errors = [
                *first.full_name.errors,
                "Enter the alleged perpetrator's full name",
            ]
            raise ValidationError("Enter the alleged perpetrator's full name")

    def validate_household(self, field: FieldList) -> None:
        for number, entry in enumerate(field.entries, start=1):
            sub = entry.form
            has_more = (
                any(raw for raw in sub.date_of_birth.parts.values())
                or sub.relationship_to_victim.data
            )
            if has_more and not sub.full_name.data:
                sub.full_name.errors = [
                    *sub.full_name.errors,
                    f"Enter the name of household member {number}",
                ]
                raise ValidationError(f"Enter the name of household member {number}")

    def dash_fields(self) -> list[tuple[RiskChecklistQuestion, CheckedRadioField]]:
        return [(q, getattr(self, f"dash_{q.number}")) for q in self._questions]

    def dash_answers(self) -> dict[str, str]:
        return {str(q.number): f.data for q, f in self.dash_fields() if f.data}

    def error_items(self) -> list[dict[str, str]]:
        """Every error as a GOV.UK error-summary item (text + link to the field)."""
        items = [{"text": message} for message in self.form_errors]
        for field in self:
            if field.name == "csrf_token":
                if field.errors:
                    items.append({"text": "Your form could not be sent. Try again"})
                continue
            if isinstance(field, FieldList):
                for entry in field.entries:
                    for sub in entry.form:
                        if sub.errors:
                            items.append({"text": sub.errors[0], "href": "#" + _anchor(sub)})
            elif field.errors:
                items.append({"text": field.errors[0], "href": "#" + _anchor(field)})
        return items


def _anchor(field: Field) -> str:
    if isinstance(field, GovukDateField):
        return field.error_anchor
    if isinstance(field, CheckedRadioField):
        return field.id
    return field.id


def referral_form_class(questions: Sequence[RiskChecklistQuestion]) -> type[ReferralForm]:
    """A ReferralForm with one yes/no/not known question per checklist question."""
    attributes: dict[str, Any] = {"_questions": list(questions)}
    for question in questions:
        attributes[f"dash_{question.number}"] = CheckedRadioField(
            f"{question.number}. {question.text}",
            [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")],
            message=f"Select yes, no or not known for question {question.number}",
        )
    return type("ChecklistReferralForm", (ReferralForm,), attributes)


class AllocateForm(MaracForm):
    referral_id = StringField(
        validators=[
            InputRequired("Select a referral to allocate"),
            ValidId("Select a referral to allocate"),
        ]
    )


class MoveForm(MaracForm):
    direction = CheckedRadioField(
        "Direction", [("up", "Up"), ("down", "Down")], message="Choose up or down"
    )


class RepeatDecisionForm(MaracForm):
    decision = CheckedRadioField(
        "Is this a repeat referral?",
        [("confirm", "Yes, add it to the earlier case"), ("reject", "No, open a new case")],
        message="Select whether this is a repeat referral",
        validators=[InputRequired("Select whether this is a repeat referral")],
    )
