"""Pages for referrals."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals", __name__)
