"""The page address gets the cleaning forms get: a path or query string holding a control
character (NUL, C0, DEL, C1) is refused with 400 before any view runs.

Searches, filters and string ids (``/jobs/<public_id>``, ``?q=``, ``?case=``) are read straight
from the address by many views; a NUL in them reached PostgreSQL ("text fields cannot contain
NUL") as a 500. Forms posted in the body are cleaned by their form instead (the field's message,
the text shown again: marac_app/common/forms.py); a GET form with a NUL in its address gets this
page, which says what was wrong.
"""

from __future__ import annotations

from flask import Flask, request
from flask.typing import ResponseReturnValue

from marac_app.common.forms import has_control_characters
from marac_app.errors import render_error


def install(app: Flask) -> None:
    @app.before_request
    def _refuse_control_characters_in_the_address() -> ResponseReturnValue | None:
        values = [request.path, *(v for _, v in request.args.items(multi=True))]
        if not any(has_control_characters(v) for v in values):
            return None
        return render_error(400, address_control_characters=True)
