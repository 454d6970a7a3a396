"""Data-protection duties: privacy notice, data-subject requests, retention, backups."""
