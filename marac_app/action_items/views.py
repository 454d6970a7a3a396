"""Pages for action items."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("action_items", __name__)
