"""MARAC-to-MARAC transfers of a case (issue 14)."""
