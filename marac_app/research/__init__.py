"""Agency research returns before the meeting (issue 14)."""
