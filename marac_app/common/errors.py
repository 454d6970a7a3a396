"""Errors services raise for the view to show next to a field (never a 500)."""

from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the request. ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(ServiceError):
    """Someone else saved the record since the form was opened (version mismatch)."""
