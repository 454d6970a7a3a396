"""Forms of research returns: the return (a row per piece of information, what is held but
not shared, or "nothing held"), and the buttons of the coordinator and the minute-taker."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from marac_app.common.forms import MaracForm, coerce_id
from marac_app.minutes.models import TEXT_MAX
from marac_app.research import services
from marac_app.research.models import RETURN_KINDS, RETURN_SUBJECTS

BLANK_ROWS = 3

SUBJECT_CHOICES = [SelectChoice("", "Select who it is about")] + [
    SelectChoice(s.value, s.label) for s in RETURN_SUBJECTS
]
KIND_CHOICES = [SelectChoice("", "Select fact or opinion")] + [
    SelectChoice(k.value, k.label) for k in RETURN_KINDS
]


class ReturnForm(MaracForm):
    """The fixed part of a return; ``return_form`` adds ``item_<n>_subject``, ``_kind`` and
    ``_text`` for each row."""

    version = HiddenField()
    nothing_held = BooleanField("My agency holds no information about the people in this case")
    withheld = TextAreaField(
        "Information held but not shared, and why",
        validators=[
            Optional(),
            Length(max=services.WITHHELD_MAX, message=services.WITHHELD_TOO_LONG),
        ],
    )

    row_count: int = 0

    def rows(self) -> list[tuple[Any, Any, Any]]:
        """(subject, kind, text) fields of each row, in order."""
        return [
            (
                getattr(self, f"item_{n}_subject"),
                getattr(self, f"item_{n}_kind"),
                getattr(self, f"item_{n}_text"),
            )
            for n in range(self.row_count)
        ]

    def items(self) -> list[services.ItemInput]:
        return [
            services.ItemInput(subject.data or None, kind.data or None, text.data)
            for subject, kind, text in self.rows()
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for subject, kind, text in self.rows():
            typed = (text.data or "").strip()
            if not (typed or subject.data or kind.data):
                continue
            if subject.data not in {s.value for s in RETURN_SUBJECTS}:
                subject.errors = [*subject.errors, services.SUBJECT_MESSAGE]
                valid = False
            if kind.data not in {k.value for k in RETURN_KINDS}:
                kind.errors = [*kind.errors, services.KIND_MESSAGE]
                valid = False
            if not typed:
                text.errors = [*text.errors, services.TEXT_MESSAGE]
                valid = False
        return valid

    def validate_version(self, field: HiddenField) -> None:
        if str(field.data or "").strip() and coerce_id(field.data) is None:
            raise ValidationError("This return could not be saved: open it again and retry")

    def version_number(self) -> int | None:
        return coerce_id(self.version.data)


def return_form(row_count: int, formdata: Any = None, **data: Any) -> ReturnForm:
    """A ``ReturnForm`` with ``row_count`` rows (at most ``services.ITEMS_MAX``)."""
    row_count = max(1, min(row_count, services.ITEMS_MAX))
    fields: dict[str, Any] = {"row_count": row_count}
    for n in range(row_count):
        number = n + 1
        fields[f"item_{n}_subject"] = SelectField(
            f"Information {number}: who is it about?",
            choices=SUBJECT_CHOICES,
            validate_choice=False,
        )
        fields[f"item_{n}_kind"] = SelectField(
            f"Information {number}: fact or professional opinion?",
            choices=KIND_CHOICES,
            validate_choice=False,
        )
        fields[f"item_{n}_text"] = TextAreaField(
            f"Information {number}: what your agency holds",
            validators=[Optional(), Length(max=TEXT_MAX, message=services.TEXT_TOO_LONG)],
        )
    form_class = type("ResearchReturnForm", (ReturnForm,), fields)
    form: ReturnForm = form_class(formdata=formdata, **data)
    return form


class MakeEntryForm(MaracForm):
    """One returned item made into a minute entry (the button next to it)."""

    return_item = HiddenField()

    def item_id(self) -> int | None:
        return coerce_id(self.return_item.data)
