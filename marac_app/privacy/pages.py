"""How the privacy pages answer: a page of no personal data of its own, or an audited read.

Shared by the privacy blueprint's view modules (views.py, subject_views.py,
retention_views.py). Both answers carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from flask.typing import ResponseReturnValue

from marac_app.common.transaction import Read, render_read


def no_store(response: Response) -> Response:
    """``response``, never kept by a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """A page that shows no personal data of its own (or re-shows a refused form)."""
    return no_store(Response(render_template(template, **context), status=status))


def read_page(template: str, audit: Read, status: int = 200, **context: Any) -> ResponseReturnValue:
    """A page of personal data: ``audit`` written and committed, then rendered, never cached."""
    body, status = render_read(template, audit=audit, status=status, **context)
    return no_store(Response(body, status=status))
