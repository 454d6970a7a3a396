"""Restricted PDF minutes and their secure, per-recipient distribution."""
