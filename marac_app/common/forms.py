"""Form helpers shared by every feature's views, and the base classes every form uses.

Every form in the app derives from ``MaracForm`` (a Flask-WTF form: CSRF) or, for a subform
inside a ``FormField``, ``MaracSubForm``. They give every form the one input cleaning of the app:

- **control characters**, checked for every field when the form validates
  (``control_character_problem``): no NUL, C0, DEL or C1 character in any value; single-line
  fields (inputs, selects, radios, hidden values, the boxes of a date) also refuse line breaks
  and tabs; multi-line ones (``<textarea>``) keep CR, LF and TAB. A refusal replaces the
  field's other messages with a GOV.UK one ("Full name must not contain line breaks or
  control characters"); the form is shown again with what was typed, HTTP 400, nothing saved.
- **ids**: ``ValidId`` runs first on every field carrying object ids (``coerce=coerce_id``, or
  a hidden field named ``…_id``; other fields list it themselves), so a value that cannot be an
  id (marac_app/common/ids.py) is a field error before it can reach the database.

tests/security/test_ids_and_input.py checks that every form class uses one of the bases.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, FieldList, Form, FormField, HiddenField, IntegerField
from wtforms.fields.choices import SelectFieldBase
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, InputRequired, NumberRange, StopValidation
from wtforms.widgets import TextArea

from marac_app.common.errors import ServiceError
from marac_app.common.ids import parse_id

# Line breaks a single-line field refuses besides the control characters (category Cc).
_LINE_SEPARATORS = frozenset("\u2028\u2029")
# What a multi-line field keeps of the control characters.
_MULTI_LINE_ALLOWED = frozenset("\t\n\r")


def has_control_characters(value: str, *, multi_line: bool = False) -> bool:
    """True when ``value`` holds a character no field of this app accepts: a control
    character (NUL, C0, DEL, C1) or, in a single-line value, a line or paragraph separator.
    A multi-line value may hold CR, LF and TAB."""
    for char in value:
        if multi_line and char in _MULTI_LINE_ALLOWED:
            continue
        if char in _LINE_SEPARATORS and not multi_line:
            return True
        if unicodedata.category(char) == "Cc":
            return True
    return False


def _label(field: Field) -> str:
    """The field's label as a noun phrase for a message ("Full name", "" for a question)."""
    text = str(field.label.text or "").strip()
    text = text.removesuffix("(optional)").strip()
    return "" if text.endswith("?") else text


def _lower_first(text: str) -> str:
    """ "Owner agency" → "owner agency", but "MARAC areas" stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _choose_message(field: Field) -> str:
    label = _label(field)
    if not label:
        return "Select one of the options shown"
    return f"Select one of the options shown for {_lower_first(label)}"


def _is_choice(field: Field) -> bool:
    return isinstance(field, SelectFieldBase | BooleanField)


def _is_multi_line(field: Field) -> bool:
    return isinstance(field.widget, TextArea)


def _posted_values(form: Form, field: Field) -> list[str]:
    """What was posted for ``field``: its raw values or, for a field made of several inputs
    (a GOV.UK date: ``<name>-day``, ``-month``, ``-year``), those inputs' values."""
    raw = getattr(field, "raw_data", None)
    values: list[Any] = list(raw) if raw else []
    formdata = getattr(form, "_posted", None)
    if not values and formdata is not None and hasattr(formdata, "getlist"):
        prefix = f"{field.name}-"
        for key in formdata:
            if isinstance(key, str) and key.startswith(prefix):
                values += formdata.getlist(key)
    return [v for v in values if isinstance(v, str)]


def control_character_problem(form: Form, field: Field) -> str | None:
    """The message when a value posted for ``field`` holds a character it may not hold
    (see the module docstring); None when the values are clean."""
    if isinstance(field, FormField | FieldList) or field.type == "CSRFTokenField":
        return None  # a subform checks its own fields; the CSRF token checks itself
    multi_line = _is_multi_line(field)
    if not any(
        has_control_characters(v, multi_line=multi_line) for v in _posted_values(form, field)
    ):
        return None
    label = _label(field)
    if _is_choice(field):
        return _choose_message(field)
    if multi_line:
        return f"{label or 'The text'} must not contain control characters"
    return f"{label or 'The answer'} must not contain line breaks or control characters"


def coerce_id(value: object) -> int | None:
    """``coerce`` for a select, radio or checkbox field whose values are object ids: the id,
    or None when blank or not an id (``ValidId``, added to such fields by the base form,
    then says what is wrong)."""
    return parse_id(value)


class ValidId:
    """Every value posted in the field is blank or an object id in range (else a field error,
    and the chain stops: the value never reaches a query)."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        values = [v for v in (getattr(field, "raw_data", None) or []) if v not in (None, "")]
        if all(parse_id(v) is not None for v in values):
            return
        raise StopValidation(
            self.message
            or (_choose_message(field) if _is_choice(field) else "Select one of the options shown")
        )


def _required_message(field: Field) -> str | None:
    """The field's own "Select the …" message (from its InputRequired or DataRequired), which
    says what to do about an id that is not one as well as about a missing one."""
    for validator in field.validators:
        if isinstance(validator, InputRequired | DataRequired) and validator.message:
            return str(validator.message)
    return None


def _carries_ids(field: Field) -> bool:
    """A field whose values are object ids: ``coerce=coerce_id``, or a hidden field named
    ``…_id``. Any other field carrying an id lists ``ValidId()`` in its validators."""
    if isinstance(field, SelectFieldBase) and field.coerce is coerce_id:
        return True
    return isinstance(field, HiddenField) and field.short_name.endswith("_id")


# Beyond this a whole number typed in a form is no count, year or period this app knows, and
# WTForms' NumberRange would fail on it (it converts to float: OverflowError, a 500).
_LARGEST_NUMBER = 10**15


def _number_in_reach(form: Form, field: Field) -> None:
    """A whole-number field's value is small enough to compare; else the field's own range
    message (or a plain one) and the chain stops."""
    if not isinstance(field.data, int) or abs(field.data) < _LARGEST_NUMBER:
        return
    ranges = [v for v in field.validators if isinstance(v, NumberRange) and v.message]
    label = _label(field) or "The number"
    raise StopValidation(ranges[0].message if ranges else f"{label} must be a smaller number")


class CleanInputMeta(DefaultMeta):
    """Keeps what was posted (for ``control_character_problem``), puts ``ValidId`` first on
    every field that carries ids and ``_number_in_reach`` on every whole-number field."""

    def wrap_formdata(self, form: Form, formdata: Any) -> Any:
        wrapped = super().wrap_formdata(form, formdata)
        form._posted = wrapped  # noqa: SLF001
        return wrapped

    def bind_field(self, form: Form, unbound_field: Any, options: dict[str, Any]) -> Field:
        field = super().bind_field(form, unbound_field, options)
        if _carries_ids(field):
            field.validators = [ValidId(_required_message(field)), *field.validators]
        elif isinstance(field, IntegerField):
            field.validators = [_number_in_reach, *field.validators]
        return field


class _CleanInput:
    """Refuses control characters in every field when the form validates."""

    def validate(self, extra_validators: Any = None) -> bool:
        fields: dict[str, Field] = self._fields  # type: ignore[attr-defined]
        refused = {
            name: message
            for name, field in fields.items()
            if (message := control_character_problem(self, field))
        }
        valid = super().validate(extra_validators)  # type: ignore[misc]
        for name, message in refused.items():
            fields[name].errors = [message]  # this message alone: the others follow from it
        return bool(valid) and not refused


class MaracForm(_CleanInput, FlaskForm):
    """The base of every form in the app: CSRF (Flask-WTF) and the one input cleaning."""

    class Meta(CleanInputMeta):
        pass


class MaracSubForm(_CleanInput, Form):
    """The base of a subform inside a ``FormField`` (the parent carries the CSRF token)."""

    class Meta(CleanInputMeta):
        pass


def show_error(form: Form, error: ServiceError, aliases: Mapping[str, str] | None = None) -> None:
    """Put a service's refusal next to the field it names (``aliases`` maps a service's field
    name to the form's), or in the error summary when it names none."""
    name = (aliases or {}).get(error.field, error.field) if error.field else None
    field = getattr(form, name, None) if name and name != "csrf_token" else None
    # Only a real field: a name that is a method of the form (``due_date()`` reading three
    # boxes) once made this an AttributeError, a 500 (issue 13; tests/common/
    # test_service_refusals.py checks every service's field names against its forms).
    if isinstance(field, Field):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


class ConfirmForm(MaracForm):
    """An empty form: a button whose only check is the CSRF token."""
