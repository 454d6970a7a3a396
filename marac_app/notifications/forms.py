"""Forms of the notifications pages."""

from __future__ import annotations

from wtforms import HiddenField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from marac_app.common.forms import MaracForm
from marac_app.notifications.models import NotificationKind


class OpenForm(MaracForm):
    """Follow one notification: marks it read, then goes to its page."""

    notification_id = HiddenField()


class MarkAllReadForm(MaracForm):
    """A button: the CSRF token is its only field."""


class SettingsForm(MaracForm):
    kinds = SelectMultipleField(
        "Email me about",
        choices=[SelectChoice(kind.value, kind.label) for kind in NotificationKind],
        validate_choice=False,  # the service refuses an unknown kind with its own message
        validators=[Optional()],
    )
