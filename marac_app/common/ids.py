"""Object ids that arrive from outside — in a URL, a form or a query string — read one way.

Every primary key is ``intpk`` (marac_app/db.py): a 32-bit signed ``INTEGER`` on PostgreSQL,
starting at 1. A number outside ``1..MAX_ID`` cannot name a row, and handing it to the database
is an error there ("integer out of range"; on SQLite beyond 64 bits, an OverflowError), so
such ids are turned away before any query is made:

- in a URL, ``IdConverter`` (installed as the app's ``int`` converter) does not match: 404;
- in a form, ``coerce_id`` / ``ValidId`` (marac_app/common/forms.py) give a field error: 400;
- in a query-string filter, ``parse_id`` gives None and the filter is ignored.

No table has a ``BigInteger`` key today; one that did would need its own limit here.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value: object) -> int | None:
    """The id ``value`` names — an int, or a string of ASCII digits (spaces around allowed) —
    when it is in ``1..MAX_ID``; otherwise None. Never raises."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def to_id(value: object) -> int:
    """``parse_id`` for ``request.args.get(name, type=to_id)``: raises ValueError (so the
    default is used) for anything that is not an id."""
    number = parse_id(value)
    if number is None:
        raise ValueError("not an object id")
    return number


class IdConverter(IntegerConverter):
    """The app's ``<int:…>`` converter: ASCII digits naming a number in ``1..MAX_ID``.

    Anything else does not match the route, so the answer is 404 before the view runs (and
    before any query): ids of 2**31, 2**63 or 400 digits never reach the database.
    """

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 1,  # noqa: A002
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
