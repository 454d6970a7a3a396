"""Forms for address alerts, showing the address and dismissing a notice."""

from __future__ import annotations

from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from marac_app.common.forms import ConfirmForm, MaracForm
from marac_app.safeguards.services import REASON_MAX, REASON_TOO_LONG


class AlertForm(MaracForm):
    """Set or clear the alert. A missing reason is refused by the service, whose message
    says which reason (``ALERT_REASON_MISSING`` / ``CLEAR_REASON_MISSING``)."""

    reason = TextAreaField("Reason", validators=[Length(max=REASON_MAX, message=REASON_TOO_LONG)])


class ShowAddressForm(ConfirmForm):
    """The "Show the address" button (a POST with the CSRF token, nothing else)."""


class DismissNoticeForm(MaracForm):
    change_id = HiddenField()
