"""The one pager: Flask-SQLAlchemy's ``db.paginate`` with the app's page-number rules.

A page number in a query string is untrusted: nonsense or a number below 1 is page 1, and a
number beyond ``MAX_PAGE`` is cut to it (no offset the database cannot hold). A page beyond
the last one is an empty page, or, with ``clamp=True``, the last page. Never an error.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from marac_app.extensions import db

MAX_PAGE = 10_000


def page_number(value: object) -> int:
    """``value`` (a query-string value, or None) as a page number in [1, MAX_PAGE]."""
    try:
        number = int(str(value))
    except ValueError:
        return 1
    return max(1, min(number, MAX_PAGE))


def paginate(query: sa.Select[Any], *, page: int, per_page: int, clamp: bool = False) -> Pagination:
    """One page of ``query`` (``.items``, ``.total``, ``.page``, ``.pages``); see the module
    docstring for what happens to a page number out of range."""
    found = db.paginate(query, page=page_number(page), per_page=per_page, error_out=False)
    if clamp and found.pages and found.page > found.pages:
        found = db.paginate(query, page=found.pages, per_page=per_page, error_out=False)
    return found
