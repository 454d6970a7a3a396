"""Pages for protocol."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("protocol", __name__)
