"""The one GOV.UK date input: every odd input ends in a GOV.UK message, never an exception."""

from __future__ import annotations

from datetime import date

import pytest

from marac_app.common.dates import read_date_parts

TODAY = date(2026, 3, 27)


def _read(day: str, month: str, year: str, **limits: object) -> tuple[date | None, str | None]:
    reading = read_date_parts(
        {"day": day, "month": month, "year": year}, "Date signed", today=TODAY, **limits
    )
    return reading.value, reading.error


def test_a_real_date_is_read() -> None:
    assert _read("27", "3", "2026") == (date(2026, 3, 27), None)


@pytest.mark.parametrize(
    "parts, message",
    [
        (("", "", ""), "Enter the date signed"),
        (("1", "", "2026"), "Date signed must include a month"),
        (("", "", "2026"), "Date signed must include a day and month"),
        (("30", "2", "2026"), "Date signed must be a real date"),
        (("x", "1", "2026"), "Date signed must be a real date"),
        (("1", "99999999999999999999", "2026"), "Date signed must be a real date"),
        (("1\x00", "1", "2026"), "Date signed must be a real date"),
        (("١", "1", "2026"), "Date signed must be a real date"),
        (("1", "1", "20260"), "Year in date signed must include 4 numbers"),
        (("1", "1", "26"), "Year in date signed must include 4 numbers"),
        (("1", "1", "1899"), "Date signed must be in 1900 or later"),
        (("1", "1", "2201"), "Date signed must be in 2200 or earlier"),
    ],
)
def test_bad_input_gives_one_govuk_message(parts: tuple[str, str, str], message: str) -> None:
    assert _read(*parts) == (None, message)


def test_future_and_past_limits() -> None:
    assert _read("28", "3", "2026", not_in_future=True)[1] == (
        "Date signed must be today or in the past"
    )
    assert _read("27", "3", "2026", not_in_future=True)[0] == TODAY
    assert _read("27", "3", "2026", past=True)[1] == "Date signed must be in the past"


def test_an_optional_date_may_be_left_blank() -> None:
    assert _read("", "", "", required=False) == (None, None)


def test_a_required_date_whose_boxes_were_not_posted_is_refused(app) -> None:
    """Regression (found by tests/security/test_form_fuzz.py): a post to "close a case" without
    the date's boxes at all validated with no date, and the view's ``required_date`` raised
    (HTTP 500). A required date is refused like blank boxes; an optional one stays empty."""
    from werkzeug.datastructures import MultiDict

    from marac_app.common.dates import GovukDateField
    from marac_app.common.forms import MaracForm

    class Closing(MaracForm):
        closed_on = GovukDateField("Date closed")
        reviewed_on = GovukDateField("Date reviewed", required=False)

    with app.test_request_context(method="POST"):
        form = Closing(formdata=MultiDict({"reference": "CAM-2026-0001"}), meta={"csrf": False})
        assert not form.validate()
        assert form.closed_on.errors == ["Enter the date closed"]
        assert not form.reviewed_on.errors and form.reviewed_on.data is None
