"""MARAC meetings: schedules, recurring series, invitations and calendars."""
