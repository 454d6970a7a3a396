"""Pages for audit review."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit_review", __name__)
