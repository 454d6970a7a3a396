"""Pages for distribution."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("distribution", __name__)
