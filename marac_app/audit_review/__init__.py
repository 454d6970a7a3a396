"""Audit review for admins and the Data Protection Officer."""
