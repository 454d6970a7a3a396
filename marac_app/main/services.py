"""What the home page and the health check ask of the rest of the app."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from marac_app.extensions import db

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    """True when the database answers a trivial query. Ends the transaction either way (a
    health check reads nothing and must not hold a connection open); never raises."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # noqa: BLE001 - any database failure means "not healthy"
        logger.error("health check: database unavailable (%s)", type(error).__name__)
        db.session.rollback()
        return False
    return True
