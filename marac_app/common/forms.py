"""Form helpers shared by every feature's views."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import Form

from marac_app.common.errors import ServiceError


def show_error(form: Form, error: ServiceError,
               aliases: Mapping[str, str] | None = None) -> None:
    """Put a service's refusal next to the field it names (``aliases`` maps a service's field
    name to the form's), or in the error summary when it names none."""
    name = (aliases or {}).get(error.field, error.field) if error.field else None
    field = getattr(form, name, None) if name and name != "csrf_token" else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


class ConfirmForm(FlaskForm):
    """An empty form: a button whose only check is the CSRF token."""
